/** Prompt graphs: schema, publish-time validation, message-passing execution with checkpoints and resume. */
export { NODE_TYPES, NODE_ACTIONS, GraphNode, GraphEdge, PromptGraph, RouterConfig, graphDigest, nodeAction, outputPorts, validateGraph } from "./graph.js";
export type { NodeType, PromptGraphInput, CompiledGraph } from "./graph.js";
export { executeGraph, resumeGraphRun, newGraphRunState } from "./executor.js";
export type { EdgeToken, GraphRunInput, GraphRunOptions, GraphRunState, NodeRun, NodeStatus } from "./executor.js";
