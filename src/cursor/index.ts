export { createCursorCodec, MAX_CURSOR_LENGTH, MIN_SECRET_LENGTH, type CursorCodec } from './codec.js';
