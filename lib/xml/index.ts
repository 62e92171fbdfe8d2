/**
 * Typed libvirt XML: types, parsers and serializers generated from libvirt's RELAX NG
 * schemas (scripts/gen-xml.py), and helpers that answer common questions from them.
 * @module
 */
export { parseXML, toXML, SCHEMA_NAMES, type SchemaName, type SchemaTypes, type ToXMLOptions } from './api.js';
export { XMLError } from './errors.js';
export type { XMLNode, XMLExtras } from './node.js';
export * from './generated/shorthands.js';
export type * from './generated/types.js';
export * from './helpers.js';
