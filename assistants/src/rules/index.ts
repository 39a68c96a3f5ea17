/** The rule engine: schemas, publish-time validation, pure evaluation with justifications. */
export {
  CONDITION_OPERATORS, ConditionLeaf, ConditionGroup, ConditionNode, MAX_CONDITION_DEPTH, MAX_REGEX_INPUT_LENGTH, MAX_REGEX_SOURCE_LENGTH,
  checkCondition, evaluateCondition, isConditionGroup, regexProblem,
} from "./conditions.js";
export type { ConditionOperator, Justification, LeafJustification, GroupJustification } from "./conditions.js";
export { RULE_TRIGGERS, Rule, RuleSet, RuleEvent, validateRuleSet, evaluateRuleSet, ruleScope } from "./rules.js";
export type { RuleTrigger, RuleSetInput, RuleEvaluation, RuleSetEvaluation } from "./rules.js";
export { issuesFromZod, unwrapValidation } from "./issues.js";
export type { ValidationResult } from "./issues.js";
export {
  ACTION_ROOTS, CONVERSATION_FIELDS, EVENT_FIELDS, LOOP_ROOTS, MESSAGE_FIELDS, RULE_ROOTS, USER_FIELDS,
  checkPathRoots, extendRoots, formatPath, getAtPath, joinPath, parseFieldPath,
} from "./paths.js";
export type { FieldRoots, ValidationIssue } from "./paths.js";
