// The errors that cross the CLI boundary live with the parsers, the lowest
// layer that throws them (parsers/errors.ts); src/ and viz/ import them here.
export * from '../parsers/errors.js';
