/**
 * A model worker process: loads one GGUF model with node-llama-cpp and serves chat generations and
 * embeddings over Node IPC (see protocol.ts). The models service starts and supervises it, so a
 * native abort in llama.cpp ends this process, never the service. It exits when the service's IPC
 * channel closes.
 */
import {
  getLlama,
  LlamaChat,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaModel,
} from "node-llama-cpp";
import type { FinishReason, WorkerChatMessage, WorkerEvent, WorkerGenerateOptions, WorkerLoadSettings, WorkerRequest } from "./protocol.js";

interface Loaded {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  settings: WorkerLoadSettings;
  /** Resolved once: resolving compares the file's Jinja template with every known format (~1 s). */
  chatWrapper: ChatWrapper;
  freeSequences: LlamaContextSequence[];
  embedding?: Promise<LlamaEmbeddingContext>;
}

const sendRaw = process.send?.bind(process);
if (!sendRaw) {
  process.stderr.write("the model worker is started by the models service (it needs an IPC channel)\n");
  process.exit(2);
}
function send(event: WorkerEvent): void {
  if (process.connected) sendRaw!(event);
}

// node-llama-cpp tests its prebuilt binary in a forked child that inherits execArgv; that test
// script is plain JavaScript, so dropping the tsx loader from execArgv starts it ~1 s sooner.
for (let i = process.execArgv.length - 1; i >= 0; i--) {
  if (!/[\\/]tsx[\\/]/.test(process.execArgv[i]!)) continue;
  const withFlag = i > 0 && /^--(import|require|loader)$/.test(process.execArgv[i - 1]!);
  process.execArgv.splice(withFlag ? i - 1 : i, withFlag ? 2 : 1);
  if (withFlag) i--;
}

let loaded: Loaded | null = null;
const running = new Map<string, AbortController>();

process.on("disconnect", () => process.exit(0));
process.on("uncaughtException", (error) => {
  send({ type: "log", level: "error", message: `worker uncaught exception: ${error.stack ?? error.message}` });
  process.exit(1);
});
process.on("message", (message: WorkerRequest) => {
  switch (message.type) {
    case "load":
      void load(message.settings);
      break;
    case "chat":
      void chat(message.id, message.messages, message.options);
      break;
    case "embed":
      void embed(message.id, message.input);
      break;
    case "cancel":
      running.get(message.id)?.abort();
      break;
    case "shutdown":
      void shutdown();
      break;
  }
});

const LOG_LEVELS: Partial<Record<LlamaLogLevel, "debug" | "info" | "warn" | "error">> = {
  [LlamaLogLevel.fatal]: "error",
  [LlamaLogLevel.error]: "error",
  [LlamaLogLevel.warn]: "warn",
  [LlamaLogLevel.info]: "info",
  [LlamaLogLevel.log]: "info",
  [LlamaLogLevel.debug]: "debug",
};

/** The first error llama.cpp logged while loading: it says why a load failed ("unknown model architecture"). */
let firstLoadError: string | null = null;

async function load(settings: WorkerLoadSettings): Promise<void> {
  const started = performance.now();
  try {
    if (loaded) throw new Error("a model is already loaded in this worker");
    // CPU only, never build or download, and one thread: the default (4 threads) on a 2-core
    // machine is ~100× slower (ENVIRONMENT-NOTES).
    const llama = await getLlama({
      gpu: false,
      build: "never",
      maxThreads: settings.threads,
      progressLogs: false,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const mapped = LOG_LEVELS[level];
        if (mapped === "error" && message.trim() && !loaded) firstLoadError ??= message.trim();
        if (mapped && message.trim()) send({ type: "log", level: mapped, message: message.trim() });
      },
    });
    const model = await llama.loadModel({ modelPath: settings.path });
    const contextSize = Math.min(settings.contextSize, model.trainContextSize);
    const context = await model.createContext({ contextSize, sequences: settings.slots, threads: settings.threads });
    const freeSequences = Array.from({ length: settings.slots }, () => context.getSequence());
    const chatWrapper = resolveChatWrapper(model);
    loaded = { llama, model, context, settings, chatWrapper, freeSequences };
    send({
      type: "loaded",
      info: {
        contextSize: context.contextSize,
        chatWrapper: chatWrapper.wrapperName,
        embeddingVectorSize: model.embeddingVectorSize,
        rssBytes: process.memoryUsage().rss,
        loadMs: Math.round(performance.now() - started),
      },
    });
  } catch (error) {
    send({ type: "load-failed", message: firstLoadError ? `${messageOf(error)} (${firstLoadError})` : messageOf(error) });
  }
}

function toHistory(messages: WorkerChatMessage[]): ChatHistoryItem[] {
  return messages.map((m): ChatHistoryItem => {
    if (m.role === "system") return { type: "system", text: m.content };
    if (m.role === "user") return { type: "user", text: m.content };
    return { type: "model", response: [m.content] };
  });
}

async function chat(id: string, messages: WorkerChatMessage[], options: WorkerGenerateOptions): Promise<void> {
  const state = loaded;
  const sequence = state?.freeSequences.pop();
  if (!state || !sequence) {
    send({ type: "failed", id, message: state ? "no free slot in the worker" : "no model loaded", invalidRequest: false });
    return;
  }
  const controller = new AbortController();
  running.set(id, controller);
  const started = performance.now();
  try {
    // Each request is its own conversation: start from an empty sequence.
    await sequence.clearHistory();
    const llamaChat = new LlamaChat({ contextSequence: sequence, chatWrapper: state.chatWrapper, autoDisposeSequence: false });
    try {
      const history = toHistory(messages);
      const endsWithModel = history.at(-1)?.type === "model";
      const promptState = llamaChat.chatWrapper.generateContextState({ chatHistory: endsWithModel ? history : [...history, { type: "model", response: [] }] });
      const promptTokens = promptState.contextText.tokenize(state.model.tokenizer).length;
      let completionTokens = 0;
      let firstTokenMs: number | null = null;
      const penalties = options.presencePenalty || options.frequencyPenalty;
      const response = await llamaChat.generateResponse(history, {
        signal: controller.signal,
        stopOnAbortSignal: true,
        maxTokens: options.maxTokens,
        temperature: options.temperature,
        topP: options.topP,
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.stop.length ? { customStopTriggers: options.stop } : {}),
        // OpenAI semantics: no repetition penalty unless asked for.
        repeatPenalty: penalties ? { penalty: 1, presencePenalty: options.presencePenalty ?? 0, frequencyPenalty: options.frequencyPenalty ?? 0 } : false,
        onToken: (tokens) => {
          completionTokens += tokens.length;
          firstTokenMs ??= performance.now() - started;
        },
        onTextChunk: (text) => {
          if (text) send({ type: "chunk", id, text });
        },
      });
      const stopReason = response.metadata.stopReason;
      const finishReason: FinishReason = controller.signal.aborted || stopReason === "abort" ? "cancelled" : stopReason === "maxTokens" ? "length" : "stop";
      send({
        type: "chat-done",
        id,
        result: { text: response.response, finishReason, promptTokens, completionTokens, durationMs: performance.now() - started, firstTokenMs },
      });
    } finally {
      llamaChat.dispose({ disposeSequence: false });
    }
  } catch (error) {
    send({ type: "failed", id, message: messageOf(error), invalidRequest: isInvalidRequest(error) });
  } finally {
    running.delete(id);
    state.freeSequences.push(sequence);
  }
}

async function embed(id: string, input: string[]): Promise<void> {
  const state = loaded;
  if (!state) {
    send({ type: "failed", id, message: "no model loaded", invalidRequest: false });
    return;
  }
  const controller = new AbortController();
  running.set(id, controller);
  const started = performance.now();
  try {
    if (!state.embedding) {
      const creating = state.model.createEmbeddingContext({ threads: state.settings.threads, contextSize: Math.min(state.settings.contextSize, state.model.trainContextSize) });
      creating.catch(() => {
        if (state.embedding === creating) delete state.embedding; // let the next request try again
      });
      state.embedding = creating;
    }
    const context = await state.embedding;
    const vectors: Float32Array[] = [];
    let promptTokens = 0;
    for (const text of input) {
      if (controller.signal.aborted) break;
      promptTokens += state.model.tokenize(text).length;
      const embedding = await context.getEmbeddingFor(text);
      vectors.push(Float32Array.from(embedding.vector));
    }
    send({ type: "embed-done", id, result: { vectors, promptTokens, durationMs: performance.now() - started } });
  } catch (error) {
    send({ type: "failed", id, message: messageOf(error), invalidRequest: isInvalidRequest(error) });
  } finally {
    running.delete(id);
  }
}

async function shutdown(): Promise<void> {
  for (const controller of running.values()) controller.abort();
  try {
    if (loaded) {
      if (loaded.embedding) await (await loaded.embedding).dispose();
      await loaded.context.dispose();
      await loaded.model.dispose();
      await loaded.llama.dispose();
    }
  } finally {
    process.exit(0);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Errors caused by the request itself (too long for the context), as opposed to the worker. */
function isInvalidRequest(error: unknown): boolean {
  return /longer than the context|context size|too long/i.test(messageOf(error));
}
