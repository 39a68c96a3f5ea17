/**
 * Messages between the service and a model worker process (Node IPC, "advanced" serialization).
 * One worker process hosts one loaded model, so a native abort in llama.cpp ends that process only.
 */

/** One chat message as the worker takes it (already validated and flattened to text). */
export interface WorkerChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Sampling and stopping settings of a generation. */
export interface WorkerGenerateOptions {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  /** Texts that end the generation (not included in the reply). */
  stop: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
}

/** Settings of the model the worker loads at start. */
export interface WorkerLoadSettings {
  path: string;
  /** Tokens per slot. */
  contextSize: number;
  /** Parallel sequences of the context. */
  slots: number;
  threads: number;
}

/** Service → worker. */
export type WorkerRequest =
  | { type: "load"; settings: WorkerLoadSettings }
  | { type: "chat"; id: string; messages: WorkerChatMessage[]; options: WorkerGenerateOptions }
  | { type: "embed"; id: string; input: string[] }
  | { type: "cancel"; id: string }
  | { type: "shutdown" };

/** How a generation ended: its natural end or a stop text, the token limit, or a cancel. */
export type FinishReason = "stop" | "length" | "cancelled";

/** What the worker reports when its model is loaded. */
export interface WorkerLoadedInfo {
  /** Actual tokens per slot (llama.cpp may round up). */
  contextSize: number;
  /** node-llama-cpp's chat wrapper for the model (`ChatML`, `Llama3`, …). */
  chatWrapper: string;
  /** Length of the model's embedding vectors. */
  embeddingVectorSize: number;
  /** Worker process RSS after loading, in bytes. */
  rssBytes: number;
  /** Time to load the model and create its context, in ms. */
  loadMs: number;
}

/** The result of a chat generation. */
export interface WorkerChatResult {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  /** Wall time of the generation, prompt evaluation included, in ms. */
  durationMs: number;
  /** Time from the start to the first generated token, in ms (null when none was generated). */
  firstTokenMs: number | null;
}

/** The result of an embedding request: one vector per input, in order. */
export interface WorkerEmbedResult {
  vectors: Float32Array[];
  promptTokens: number;
  durationMs: number;
}

/** Worker → service. */
export type WorkerEvent =
  | { type: "loaded"; info: WorkerLoadedInfo }
  | { type: "load-failed"; message: string }
  | { type: "chunk"; id: string; text: string }
  | { type: "chat-done"; id: string; result: WorkerChatResult }
  | { type: "embed-done"; id: string; result: WorkerEmbedResult }
  | { type: "failed"; id: string; message: string; invalidRequest: boolean }
  | { type: "log"; level: "debug" | "info" | "warn" | "error"; message: string };
