#!/usr/bin/env node
/** The installed `flowy-server` command: checks the Node.js version first, then loads the CLI (cli.ts). */
import { requireNode } from "../shared/node-version.ts";

requireNode("flowy-server");
await import("./cli.ts");
