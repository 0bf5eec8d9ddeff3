import { schema } from '../../src/schema/index.js';
import { isObjectType } from 'graphql';
for (const [name, type] of Object.entries(schema.getTypeMap())) {
  if (!isObjectType(type) || name.startsWith('__')) continue;
  for (const [f, field] of Object.entries(type.getFields())) {
    if (/cursor|Cursor/i.test(f)) console.log(name, f, field.resolve ? field.resolve.toString().slice(0, 80) : 'NO RESOLVER');
  }
}
