import { builder } from './builder.js';
import './calendar.js';
import './contact.js';
import './event.js';
import './message.js';
import './subscription.js';

builder.queryType({ description: 'Delta queries: each field pages through a Graph delta round.' });

export const schema = builder.toSchema();
