import { builder } from './builder.js';
import { resolvePromisedFields } from './promised-fields.js';
import './calendar.js';
import './contact.js';
import './contact-folder.js';
import './event.js';
import './mail-folder.js';
import './message.js';
import './subscription.js';

builder.queryType({ description: 'Delta queries: each field pages through a Graph delta round.' });

export const schema = resolvePromisedFields(builder.toSchema());
