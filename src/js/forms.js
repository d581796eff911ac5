// projekt-client's form helpers for JavaScript: bindErrors, clearErrors and
// fieldMessages (documented in src/web/forms.rs, which has the same three for
// Rust frontends). The DOM work is src/js/runtime.js; each decision about
// which server key names which control is the wasm export `__formRules`,
// handed to it as a plain function.
//
// scripts/build-package copies this file into the package as `forms.js` when
// the build has the `forms` feature, pointing the `./runtime.js` import at
// wasm-bindgen's copy of src/js/runtime.js.

import { __formRules as rules } from "./projekt_client.js";
import { __bindErrors, __clearErrors, __fieldMessages } from "./runtime.js";

/** Shows a `ValidationError` on a form; returns the keys that name no control. */
export function bindErrors(form, error, options) {
  return __bindErrors(form, error, options, rules);
}

/** Undoes everything `bindErrors` did to a form. */
export function clearErrors(form) {
  __clearErrors(form);
}

/** A `ValidationError`'s fields with their first message, as `[field, message]` pairs. */
export function fieldMessages(error) {
  return __fieldMessages(error, rules);
}
