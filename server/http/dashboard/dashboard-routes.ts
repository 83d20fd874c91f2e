/**
 * The web dashboard: a page at `/` and its assets under /assets/ (plain ES modules and CSS, no
 * build step, shipped in the package), a session endpoint telling the page who it acts for and in
 * which language, and login/logout that keep the API key in an HttpOnly, SameSite=Strict cookie.
 */
import { join } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { JOB_STATES, STATE_ICON_NAMES } from "../../../shared/states.ts";
import { KEY_COOKIE, presentedKey } from "../auth.ts";
import { type DashboardLangSetting, pickLanguage } from "./language.ts";
import { actionsFor, controlsFor, roleOf } from "./role.ts";

/** Beside this module in the sources, and copied beside it into dist/ by `npm run build`. */
export const ASSETS_DIR = join(import.meta.dirname, "assets");
const COOKIE_MAX_AGE_S = 7 * 24 * 3600;

export interface DashboardOptions {
  lang: DashboardLangSetting;
  version: string;
}

// Everything the page loads comes from this server: no CDN, no inline script.
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // Assets are revalidated (ETag) on each load, so an upgraded server never serves stale code.
  "cache-control": "no-cache",
};

export async function registerDashboard(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  await app.register(fastifyStatic, {
    root: ASSETS_DIR,
    prefix: "/assets/",
    index: false,
    cacheControl: false,
    schemaHide: true,
    setHeaders: (reply) => {
      reply.header("cache-control", "no-cache").header("x-content-type-options", "nosniff");
    },
  });
  app.get("/", { schema: { hide: true } }, (_request, reply) =>
    reply.headers(PAGE_HEADERS).sendFile("index.html"),
  );
  app.get("/dashboard/session", { schema: { hide: true } }, async (request) => {
    const role = roleOf(request) ?? "client";
    return {
      version: options.version,
      lang: pickLanguage(options.lang, request.headers["accept-language"]),
      role,
      keys_required: request.flowyRole !== "open",
      actions: actionsFor(role),
      controls: controlsFor(role),
      // The state module's states and their icon names, so the page keeps no copy of its own.
      states: JOB_STATES,
      icons: STATE_ICON_NAMES,
    };
  });
  // The auth hook has already checked the key sent as a bearer token; keep it in a cookie the
  // page's scripts cannot read and other sites cannot send.
  app.post("/dashboard/login", { schema: { hide: true } }, async (request, reply) => {
    const key = presentedKey(request);
    if (key !== undefined && request.flowyRole !== "open")
      setKeyCookie(request, reply, key, COOKIE_MAX_AGE_S);
    return reply.code(204).send();
  });
  app.post("/dashboard/logout", { schema: { hide: true } }, async (request, reply) => {
    setKeyCookie(request, reply, "", 0);
    return reply.code(204).send();
  });
}

function setKeyCookie(request: FastifyRequest, reply: FastifyReply, key: string, maxAgeS: number): void {
  const secure = request.protocol === "https" ? "; Secure" : "";
  reply.header(
    "set-cookie",
    `${KEY_COOKIE}=${encodeURIComponent(key)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`,
  );
}
