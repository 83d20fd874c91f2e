#!/usr/bin/env node
/** The installed `flowy-client` command: checks the Node.js version first, then loads the CLI (cli.ts). */
import { requireNode } from "../shared/node-version.ts";

requireNode("flowy-client");
await import("./cli.ts");
