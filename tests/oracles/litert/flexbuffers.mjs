// Decodes FlexBuffers with the FlatBuffers project's JavaScript implementation. Reads a JSON array of byte
// arrays from stdin and writes a JSON array of the decoded values to stdout.
import fs from 'node:fs';
import { toObject } from 'flatbuffers/js/flexbuffers.js';

const buffers = JSON.parse(fs.readFileSync(0, 'utf8'));
const decoded = buffers.map((bytes) => toObject(new Uint8Array(bytes).buffer));
process.stdout.write(JSON.stringify(decoded));
