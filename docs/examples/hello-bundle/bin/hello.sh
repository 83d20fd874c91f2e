#!/bin/sh
# A job that runs from this bundle finds its files relative to $FLOWY_BUNDLE_DIR
# (NAME/VERSION under the daemon's state dir), which is also its cwd.
echo "hello from $(basename "$(dirname "$FLOWY_BUNDLE_DIR")") ($(cat VERSION))"
