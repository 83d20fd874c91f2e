#!/bin/sh
# A job that runs from this bundle finds its files relative to $FLOWY_BUNDLE_DIR.
echo "hello from $(basename "$FLOWY_BUNDLE_DIR") ($(cat "$FLOWY_BUNDLE_DIR/VERSION"))"
