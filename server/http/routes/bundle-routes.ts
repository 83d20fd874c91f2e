/**
 * Bundle routes: upload (the raw .tar.gz as the body, streamed to the service, never parsed as
 * JSON), list, show, history, delete, and the archive download with Range for resumed downloads.
 * Thin: parse, call the service, map to the wire.
 */
import { Readable } from "node:stream";
import type { Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import {
  BundleHistoryQuery,
  BundleHistoryResponse,
  BundleListResponse,
  BundleNameParams,
  BundleSchema,
  BundleShowResponse,
  BundleUploadQuery,
  BundleVersionParams,
  type WorkerBundles,
  WorkerBundlesBody,
} from "../../../shared/bundle-protocol.ts";
import { WorkerIdParams } from "../../../shared/protocol.ts";
import { FlowyError } from "../../../shared/errors.ts";
import type { BundleCaller } from "../../service/bundle-service.ts";
import { highestVersion } from "../../service/bundle-rules.ts";
import type { Services } from "../services.ts";
import { routeDocs } from "./route-docs.ts";
import { fromWireWorkerBundles, toWireBundle, toWireBundleEvent, toWireWorkerBundle } from "../wire.ts";

type VersionParams = Static<typeof BundleVersionParams>;
const ARCHIVE_TYPES = ["application/gzip", "application/x-gzip", "application/octet-stream"];

function callerOf(request: FastifyRequest): BundleCaller {
  const agent = request.headers["user-agent"];
  return {
    keyName: request.flowyKeyName,
    address: request.ip,
    userAgent: typeof agent === "string" ? agent : null,
  };
}

function splitTags(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/** `bytes=START-` or `bytes=START-END` (one range, which is all a resumed download asks). */
export function parseRange(header: string | undefined): { start: number; end?: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) {
    throw new FlowyError(
      "range-not-satisfiable",
      `Range "${header}" is not one byte range`,
      "Send Range: bytes=START- (or bytes=START-END).",
    );
  }
  return { start: Number(match[1]), ...(match[2] ? { end: Number(match[2]) } : {}) };
}

const doc = routeDocs("bundles");

export function registerBundleRoutes(app: FastifyInstance, services: Services): void {
  const { bundles } = services;

  app.post<{ Params: Static<typeof WorkerIdParams>; Body: WorkerBundles }>(
    "/workers/:id/bundles",
    doc("A worker reports its bundles: every installed version and every failed install", {
      params: WorkerIdParams,
      body: WorkerBundlesBody,
      response: { 204: { type: "null" } },
    }),
    async (request, reply) => {
      await bundles.reportWorkerBundles(request.params.id, fromWireWorkerBundles(request.body));
      return reply.code(204).send();
    },
  );

  app.register(async (scope) => {
    // The archive reaches the handler as the request stream: the service reads it chunk by chunk.
    scope.addContentTypeParser(ARCHIVE_TYPES, (_request, payload, done) => done(null, payload));
    scope.put<{ Params: VersionParams; Querystring: Static<typeof BundleUploadQuery> }>(
      "/bundles/:name/:version",
      doc("Upload a version of a bundle (body: the .tar.gz, Content-Type: application/gzip)", {
        params: BundleVersionParams,
        querystring: BundleUploadQuery,
        response: { 201: BundleSchema },
      }),
      async (request, reply) => {
        const length = request.headers["content-length"];
        // An upload refused before its body is read to the end (too large) would leave the rest
        // of the body on a kept-alive connection, and the client waiting to send it: closing the
        // connection after the answer lets the client stop sending and read the refusal.
        reply.header("connection", "close");
        if (!(request.body instanceof Readable)) {
          throw new FlowyError(
            "invalid-request",
            "The upload's body is not an archive",
            `Send the .tar.gz as the raw body with Content-Type: ${ARCHIVE_TYPES[0]}.`,
          );
        }
        const bundle = await bundles.upload({
          name: request.params.name,
          version: request.params.version,
          tags: splitTags(request.query.tags),
          setup: request.query.setup ?? null,
          body: request.body,
          declaredSize: length === undefined ? null : Number(length),
          caller: callerOf(request),
        });
        return reply.code(201).send(toWireBundle(bundle));
      },
    );
  });

  app.get(
    "/bundles",
    doc("List every stored bundle version", { response: { 200: BundleListResponse } }),
    async () => ({ bundles: (await bundles.list()).map(toWireBundle) }),
  );

  app.get<{ Querystring: Static<typeof BundleHistoryQuery> }>(
    "/bundle-history",
    doc("Uploads and deletes of bundles (who, when, from where), newest first", {
      querystring: BundleHistoryQuery,
      response: { 200: BundleHistoryResponse },
    }),
    async (request) => ({
      events: (await bundles.history(request.query.limit ?? 50, request.query.name)).map(toWireBundleEvent),
    }),
  );

  app.get<{ Params: Static<typeof BundleNameParams> }>(
    "/bundles/:name",
    doc("The stored versions of a bundle", {
      params: BundleNameParams,
      response: { 200: BundleShowResponse },
    }),
    async (request) => {
      const [versions, workers] = await Promise.all([
        bundles.versions(request.params.name),
        bundles.onWorkers(request.params.name),
      ]);
      return {
        name: request.params.name,
        latest: highestVersion(versions.map((b) => b.version)) as string,
        versions: versions.map(toWireBundle),
        workers: workers.map(toWireWorkerBundle),
      };
    },
  );

  app.delete<{ Params: VersionParams }>(
    "/bundles/:name/:version",
    doc("Delete a version of a bundle", { params: BundleVersionParams }),
    async (request, reply) => {
      await bundles.delete(request.params.name, request.params.version, callerOf(request));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: VersionParams }>(
    "/bundles/:name/:version/archive",
    doc("Download a version's .tar.gz (Range: bytes=N- resumes)", { params: BundleVersionParams }),
    async (request, reply) => {
      const range = parseRange(request.headers.range);
      const { name, version } = request.params;
      const download = await bundles.download(name, version, range);
      const { bundle, start, end } = download;
      reply
        .header("content-type", "application/gzip")
        .header("accept-ranges", "bytes")
        .header("etag", `"${bundle.sha256}"`)
        .header("x-flowy-sha256", bundle.sha256)
        .header("content-length", String(end - start + 1));
      if (range) reply.code(206).header("content-range", `bytes ${start}-${end}/${bundle.size}`);
      return reply.send(Readable.from(download.bytes));
    },
  );
}
