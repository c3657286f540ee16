/** Letters and digits only, lower case: `Web 1` and `web-1` spell the same name. */
function spelling(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * A target as the console names it everywhere (the Target field, an execution's header, the
 * history, refusals): its label, with its id beside it when the label does not already spell
 * it. The id is what people type and what the server's messages say (`Allowed on local: ...`),
 * so `This server (local)` ties the two together, while `Web 1` needs no `(web-1)`.
 */
export function targetName(target: { readonly id: string; readonly label: string }): string {
  return spelling(target.label) === spelling(target.id)
    ? target.label
    : `${target.label} (${target.id})`;
}
