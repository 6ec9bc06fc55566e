// Types of the gcg-serve Node client (lib/index.js). Field names follow proto-loader's camelCase.

export interface BudgetDecision {
  kind: string; limit: number; keepRatio: number; predictedTtftMs: number;
  predictedQueueMs: number; outcome: string; reason: string;
}

export interface Started {
  type: 'started';
  pruner: string; arm: string; experiment: string; assignment: string; requestId: string;
  visualTokensTotal: number; visualTokensKept: number; visualTokensPerLayer: number[];
  flopsRatio: number; promptTokens: number;
  /** What the budget chose; null when no budget applied. */
  budget: BudgetDecision | null;
}

export interface TextDelta { type: 'textDelta'; text: string; index: number; }

/** A decoded mask: row-major, one byte (0 or 1) per pixel. */
export interface Pixels { height: number; width: number; data: Uint8Array; }

export interface Mask {
  rleCounts: string; size: number[]; bbox: number[]; score: number; png?: Buffer | null;
  decode(): Pixels;
}

export interface GroundedPhrase {
  type: 'groundedPhrase'; phrase: string; charStart: number; charEnd: number; mask: Mask;
}

export interface Timings {
  queueWaitMs: number; prefillMs: number; decodeMs: number; totalMs: number; ttftMs: number;
}

export interface Finished {
  type: 'finished'; finishReason: string; generatedTokens: number; timings: Timings;
  budgetOutcome: string;
}

export type CaptionEvent = Started | TextDelta | GroundedPhrase | Finished;

/** A call that ended with a status other than OK. */
export class GcgError extends Error {
  /** The status name, e.g. INVALID_ARGUMENT. */
  code: string;
  /** The server's message. */
  details: string;
}

export interface RequestOptions {
  prompt?: string; pruner?: string; keepRatio?: number; params?: Record<string, string>;
  maxNewTokens?: number; temperature?: number; topP?: number; seed?: number;
  experiment?: string; subjectKey?: string;
  budget?: { maxFlopsRatio?: number; maxVisualTokens?: number; maxTtftMs?: number; onMiss?: 'ON_MISS_BEST_EFFORT' | 'ON_MISS_REJECT' };
}

/** A CaptionRequest object (proto-loader form). */
export type CaptionRequest = Record<string, unknown>;

export function captionRequest(image: Buffer, options?: RequestOptions): CaptionRequest;

export class CaptionCall implements AsyncIterable<CaptionEvent> {
  /** The response headers (gcg-request-id, gcg-arm, gcg-experiment). */
  headers: Promise<Record<string, string>>;
  [Symbol.asyncIterator](): AsyncIterator<CaptionEvent>;
  /** The raw CaptionEvent objects. */
  messages(): AsyncIterable<Record<string, unknown>>;
  /** Stops the call; the server sees CANCELLED and the iteration throws GcgError. */
  cancel(): void;
  collect(): Promise<{ started: Started | null; text: string; phrases: GroundedPhrase[]; finished: Finished | null }>;
}

export interface PrunerDescription {
  name: string; description: string; builtIn: boolean;
  parameters: { name: string; type: string; description: string; defaultValue: string; allowed: string; min?: number; max?: number; allowedValues: string[] }[];
}

export class GcgClient {
  constructor(target: string, options?: {
    protoDir?: string; tls?: boolean; tlsCa?: string; tlsCert?: string; tlsKey?: string; token?: string;
  });
  caption(request: CaptionRequest, options?: { deadlineMs?: number }): CaptionCall;
  listPruners(options?: { deadlineMs?: number }): Promise<PrunerDescription[]>;
  listExperiments(options?: { deadlineMs?: number }): Promise<Record<string, unknown>>;
  close(): void;
}

export const masks: {
  decodeCounts(counts: string): number[];
  decodeMask(counts: string, size: number[]): Pixels;
  tightBbox(mask: Pixels): number[];
  area(mask: Pixels): number;
  pixelsSha256(mask: Pixels): string;
};

/** The token of a token file: its first line that is neither empty nor a `#` comment. */
export function readToken(file: string): string;
