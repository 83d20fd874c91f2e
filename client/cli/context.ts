/** What every flowy-client command starts from: the config, an SDK client, and a printer. */
import { loadClientConfig } from "../config.ts";
import { FlowyClient } from "../flowy-client.ts";
import { flowyVersion } from "../version.ts";
import { chooseStyle, type Io, type OutputFlags, Printer } from "./output.ts";

export interface GlobalFlags extends OutputFlags {
  server?: string;
  apiKey?: string;
  apiKeyFile?: string;
}

export interface CliContext {
  client: FlowyClient;
  printer: Printer;
  io: Io;
}

/**
 * A person at a prompt should hear "cannot reach the server" in a second or two, not after the
 * SDK's long default retry budget; waits ride out longer outages on their own (reconnect.ts).
 */
const CLI_RETRY = { retries: 2, minDelayMs: 250, maxDelayMs: 2_000 };

export function createPrinter(flags: GlobalFlags, io: Io): Printer {
  return new Printer(chooseStyle(flags, io), Boolean(flags.quiet), io, Boolean(flags.raw));
}

export async function createContext(flags: GlobalFlags, printer: Printer, io: Io): Promise<CliContext> {
  const config = await loadClientConfig({
    flags: { server: flags.server, api_key: flags.apiKey, api_key_file: flags.apiKeyFile },
    env: io.env,
  });
  const client = new FlowyClient({
    server: config.server,
    serverSource: config.serverSource,
    apiKey: config.apiKey,
    retry: CLI_RETRY,
    userAgent: `flowy-client/${flowyVersion()}`,
  });
  return { client, printer, io };
}
