import { describe, expect, it } from "vitest";
import { loadConfig, parseProviderRef } from "./config.js";

describe("loadConfig", () => {
  it("has the four providers built in, keys from their env variables, symbia-labs at the models service's /v1", () => {
    const config = loadConfig({ OPENAI_API_KEY: "sk-a", MODELS_SERVICE_URL: "http://models:9000/" });
    expect(Object.keys(config.providers).sort()).toEqual(["anthropic", "huggingface", "openai", "symbia-labs"]);
    expect(config.providers.openai).toMatchObject({ kind: "openai", envApiKey: "sk-a", credentialProvider: "openai" });
    expect(config.providers.anthropic!.envApiKey).toBeUndefined();
    expect(config.providers["symbia-labs"]!.baseUrl).toBe("http://models:9000/v1");
    expect(config.gateway.defaultProvider).toBe("symbia-labs");
    expect(config.port).toBe(5007);
  });

  it("adds an OpenAI-compatible provider from INTEGRATIONS_PROVIDERS, with its key read from the named variable", () => {
    const config = loadConfig({
      INTEGRATIONS_PROVIDERS: JSON.stringify({ ollama: { kind: "openai", baseUrl: "http://127.0.0.1:11434/v1/", apiKeyEnv: "OLLAMA_KEY", defaultModels: { chat: "llama3.2" } }, openai: { defaultModels: { chat: "gpt-x" } } }),
      OLLAMA_KEY: "k",
      INTEGRATIONS_DEFAULT_PROVIDER: "ollama",
      INTEGRATIONS_FALLBACK: "openai, anthropic:claude-x",
    });
    expect(config.providers.ollama).toMatchObject({ kind: "openai", baseUrl: "http://127.0.0.1:11434/v1", envApiKey: "k", defaultModels: { chat: "llama3.2" } });
    expect(config.providers.openai!.defaultModels).toMatchObject({ chat: "gpt-x", embeddings: "text-embedding-3-small" });
    expect(config.gateway.fallback).toEqual(["openai", "anthropic:claude-x"]);
  });

  it("refuses a new provider without kind, an unknown default provider, bad JSON and bad numbers", () => {
    expect(() => loadConfig({ INTEGRATIONS_PROVIDERS: JSON.stringify({ mystery: {} }) })).toThrow(/kind/);
    expect(() => loadConfig({ INTEGRATIONS_DEFAULT_PROVIDER: "nope" })).toThrow(/unknown provider/);
    expect(() => loadConfig({ INTEGRATIONS_PRICES: "{oops" })).toThrow(/JSON/);
    expect(() => loadConfig({ INTEGRATIONS_MAX_RETRIES: "-1" })).toThrow();
    expect(() => loadConfig({ INTEGRATIONS_FALLBACK: "Bad Provider" })).toThrow();
  });

  it("splits provider:model at the first colon", () => {
    expect(parseProviderRef("ollama:llama3:8b")).toEqual({ provider: "ollama", model: "llama3:8b" });
    expect(parseProviderRef("anthropic")).toEqual({ provider: "anthropic" });
  });
});
