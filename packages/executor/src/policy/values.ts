import { isUnderPrefix } from '../path-operands.js';
import type { ValueSpec } from './schema.js';

/** Returns null when the value is acceptable, or a phrase saying what is wrong with it. */
export type ValueCheck = (value: string) => string | null;

/** A value spec compiled: its check, and the path prefixes it limits the value to, if any. */
export interface CompiledValue {
  readonly check: ValueCheck;
  /** Set when the value is a path: it is resolved on the target and checked again there. */
  readonly pathPrefixes: readonly string[] | null;
}

const INTEGER = /^-?[0-9]+$/;

function pathProblem(value: string, prefixes: readonly string[]): string | null {
  if (!value.startsWith('/')) return `must be an absolute path under ${prefixes.join(' or ')}`;
  const segments = value.split('/');
  if (segments.includes('..') || segments.includes('.')) {
    return 'must not contain `.` or `..` path segments';
  }
  return isUnderPrefix(value, prefixes) ? null : `must be a path under ${prefixes.join(' or ')}`;
}

/** Compiles a value spec from the policy once, so checking a value does no parsing. */
export function compileValueSpec(spec: ValueSpec): CompiledValue {
  const pattern = spec.pattern === undefined ? undefined : new RegExp(`^(?:${spec.pattern})$`, 'u');
  const allowed = spec.enum === undefined ? undefined : new Set(spec.enum);
  const prefixes =
    spec.pathPrefix === undefined
      ? undefined
      : typeof spec.pathPrefix === 'string'
        ? [spec.pathPrefix]
        : spec.pathPrefix;
  const integer = spec.integer === true ? {} : spec.integer;

  const check: ValueCheck = (value) => {
    // The length check comes first so the pattern only ever sees bounded input.
    if (value.length > spec.maxLength) return `is longer than ${spec.maxLength} characters`;
    if (allowed !== undefined && !allowed.has(value)) {
      return `must be one of: ${[...allowed].join(', ')}`;
    }
    if (integer !== undefined) {
      if (!INTEGER.test(value) || !Number.isSafeInteger(Number(value))) {
        return 'must be a whole number';
      }
      const n = Number(value);
      if (integer.min !== undefined && n < integer.min) return `must be at least ${integer.min}`;
      if (integer.max !== undefined && n > integer.max) return `must be at most ${integer.max}`;
    }
    if (prefixes !== undefined) {
      const problem = pathProblem(value, prefixes);
      if (problem !== null) return problem;
    }
    if (pattern !== undefined && !pattern.test(value)) {
      return `does not match the allowed pattern ${spec.pattern}`;
    }
    return null;
  };
  return { check, pathPrefixes: prefixes ?? null };
}
