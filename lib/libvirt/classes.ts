// The JS classes: the addon's constructors, typed by the generated interfaces
// (generated and hand-written methods alike) plus the TypeScript helpers.
export * from './generated/classes.js';
