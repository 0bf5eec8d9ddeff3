export { createCursorCodec, MAX_CURSOR_LENGTH, MIN_SECRET_LENGTH, type CursorCodec, type OpenedCursor, type PageSeal } from './codec.js';
