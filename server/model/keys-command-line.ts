/**
 * `flowy-server keys …` as hints write it: always naming the database, because keys live in it
 * and a keys command without --db silently uses the default database, which a server started
 * with --db never reads.
 */
export function keysCommandLine(args: string, db?: string): string {
  if (db === undefined) return `flowy-server keys ${args} --db DB (DB: the server's --db or FLOWY_DB)`;
  return `flowy-server keys ${args} --db ${shellWord(db)}`;
}

function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
