// The contract's runtime constants (close codes, statuses, the refusal shape), from the one
// module that holds them: bundled into the published package (see build.mjs), whose declarations
// copy it (see declarations.mjs).
export * from '@ogent/api/contract';
