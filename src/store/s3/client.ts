/**
 * The S3 client of a store: credentials from the SDK's default provider chain (environment,
 * shared config/credentials files with `ref.profile`, SSO, web identity, container and instance
 * metadata; never from the reference), the reference's endpoint and addressing style, the SDK's
 * standard retry mode, and one keep-alive HTTP agent whose socket count matches the store's
 * in-flight bound.
 */
import * as http from "node:http";
import * as https from "node:https";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { S3StoreRef } from "../ref.js";
import type { ResolvedS3Options } from "./options.js";

/** Region when neither the reference, the environment nor the profile names one. */
export const FALLBACK_REGION = "us-east-1";

/**
 * The region of `ref`: its own, else the SDK's (AWS_REGION, the profile's `region`), else
 * {@link FALLBACK_REGION}. Reads local configuration only (no request).
 */
export async function resolveRegion(ref: S3StoreRef): Promise<string> {
  if (ref.region !== undefined && ref.region !== "") return ref.region;
  const probe = new S3Client(ref.profile === undefined ? {} : { profile: ref.profile });
  try {
    const region = await probe.config.region();
    return region === "" ? FALLBACK_REGION : region;
  } catch {
    return FALLBACK_REGION;
  } finally {
    probe.destroy();
  }
}

/** A client for `ref` with the resolved options. */
export function createS3Client(ref: S3StoreRef, region: string, opts: ResolvedS3Options): S3Client {
  const agentOpts = { keepAlive: true, maxSockets: opts.maxInflight };
  const config: S3ClientConfig = {
    region,
    maxAttempts: opts.maxAttempts,
    retryMode: "standard",
    requestHandler: {
      httpAgent: new http.Agent(agentOpts),
      httpsAgent: new https.Agent(agentOpts),
      connectionTimeout: opts.connectTimeoutMs,
      requestTimeout: opts.requestTimeoutMs,
    },
  };
  if (ref.profile !== undefined) config.profile = ref.profile;
  if (ref.forcePathStyle !== undefined) config.forcePathStyle = ref.forcePathStyle;
  if (ref.endpoint !== undefined) {
    config.endpoint = ref.endpoint;
    // S3-compatible servers often reject or mis-store the SDK's default flexible checksums
    // (aws-chunked bodies with trailers); send checksums only where the API requires them.
    config.requestChecksumCalculation = "WHEN_REQUIRED";
    config.responseChecksumValidation = "WHEN_REQUIRED";
  }
  return new S3Client(config);
}
