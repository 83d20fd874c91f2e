#!/usr/bin/env node
/** The installed `daemon-flowy` command: checks the Node.js version first, then loads the CLI (cli.ts). */
import { requireNode } from "../shared/node-version.ts";

requireNode("daemon-flowy");
await import("./cli.ts");
