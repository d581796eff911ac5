//! Showing a `ValidationError` on an HTML form: `bindErrors`, `clearErrors`
//! and `fieldMessages`.
//!
//! The matching of server keys to control names is pure and lives in
//! [`crate::fields`]; the DOM is read and written by `src/js/runtime.js`, which
//! asks Rust for each decision through [`crate::fields::form_rules`] (exported to the
//! npm build as `__formRules`). The npm package's
//! `bindErrors`, `clearErrors` and `fieldMessages` are `src/js/forms.js`; the
//! functions here are the same for Rust frontends.
//!
//! # What `bindErrors` does to a form
//!
//! For each field of `error.fieldErrors` whose key names a control of
//! `form.elements` (hidden inputs do not count: nobody can fix them):
//!
//! - every control with that name gets `setCustomValidity(text)`,
//!   `aria-invalid="true"`, the `invalidClass` option's class, and the id of
//!   the field's message element appended to its `aria-describedby` (ids
//!   already there are kept);
//! - the message element is the first element of the form marked
//!   `data-error-for="<key>"` (any notation of the key, or the control's own
//!   name, will do). Its content is replaced by the text and its `hidden`
//!   attribute removed while it shows an error. Without one, a `<div>` is
//!   created right after the control, or after the `<label>` that wraps the
//!   control or follows it (`<label for>`), so the message never becomes part
//!   of the control's accessible name;
//! - **radio groups and checkbox sets** (several controls sharing one name)
//!   are all marked, and share one message element. A created one goes right
//!   after the `<legend>` of the `<fieldset>` that holds the whole group (the
//!   place screen readers announce when entering the group, and where the
//!   GOV.UK design system puts it), or after the group's last control (and
//!   its label) when there is no such fieldset.
//!
//! `text` is the field's messages joined by `"\n"`, or what the
//! `formatMessage(messages, field)` option returns. It is always set as text
//! (`textContent`), never parsed as HTML. Created elements get
//! `white-space: pre-line` so several messages show on separate lines.
//!
//! The first marked control in document order is focused (unless the
//! `focus` option is `false`); a disabled one is skipped.
//!
//! Keys that name no control are returned, in the server's order, and their
//! messages are listed (one `<li>` each, or one per key with a formatter) in
//! the form's first `[data-error-summary]` element, which gets
//! `role="alert"` and loses `hidden` while it shows them.
//!
//! Editing a control (an `input` event, or a `change` event from a select, a
//! checkbox, a radio or a file input) clears the errors of its field and of
//! the fields under it (`items[0]` clears `items.0.name`), and nothing else.
//! Binding again, or `clearErrors`, first undoes everything: after
//! `clearErrors` the form's `outerHTML` is what it was before `bindErrors`,
//! unless something else changed the same attributes in between (those
//! changes are kept).
//!
//! # Robustness
//!
//! Every DOM call goes through the DOM's own prototypes (`Element.prototype
//! .getAttribute.call(el, …)`), so a control named `elements` or
//! `querySelectorAll` (which shadows the form's own properties) cannot
//! derail it, and forms from another realm (an iframe) work. Every call is
//! allowed to fail; a failure skips that step, never throws. The prototypes
//! are looked up when called, so the package still loads where there is no
//! DOM (workers).
//!
//! The per-form state (listeners, created elements, original attribute
//! values) lives in `src/js/runtime.js` until `clearErrors`, the next
//! `bindErrors` of that form, or the user clearing its last field;
//! `bindErrors` also clears the state of forms that are no longer in a
//! document, so it stays bounded by the forms on screen.

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::{Array, Int32Array};
use wasm_bindgen::prelude::*;

use crate::fields;
use crate::web::convert::text;

#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(js_name = __bindErrors)]
    fn js_bind_errors(form: &JsValue, error: &JsValue, options: &JsValue, rules: &JsValue)
        -> Array;
    #[wasm_bindgen(js_name = __clearErrors)]
    fn js_clear_errors(form: &JsValue);
    #[wasm_bindgen(js_name = __fieldMessages)]
    fn js_field_messages(error: &JsValue, rules: &JsValue) -> JsValue;
}

/// The decisions `src/js/runtime.js` asks for, `rules(op, keys, names)`
/// taking two arrays of strings and returning indexes:
///
/// - `0`: for each key, the index of the first key naming the same field
///   ([`fields::same_field_groups`]), or `-1` for a refused key;
/// - `1`: for each key, the indexes of the `names` (control names, then
///   `[data-error-for]` values) that show its field
///   ([`fields::matching_controls`]), each list ended by `-1`;
/// - `2`: the indexes of the keys whose errors editing the control named
///   `names[0]` clears ([`fields::cleared_by`]).
///
/// The npm package's `bindErrors` and `fieldMessages` (`src/js/forms.js`)
/// hand this export itself to `src/js/runtime.js`, so no closure crosses
/// the boundary; the Rust functions below wrap it in one.
#[doc(hidden)]
#[cfg(feature = "npm")]
#[wasm_bindgen(js_name = __formRules)]
pub fn form_rules(op: u32, keys: Vec<JsValue>, names: Vec<JsValue>) -> Vec<i32> {
    fields::form_rules(op, &strings(&keys), &strings(&names))
}

/// [`crate::fields::form_rules`] as a JS function, for the Rust entry points; freed by the
/// garbage collector.
fn rules() -> JsValue {
    // `Closure::new` (not the newer `own_aborting`): it builds with every
    // wasm-bindgen 0.2 from 0.2.100, which an app's tree may pin.
    Closure::<dyn FnMut(u32, Array, Array) -> JsValue>::new(
        |op, keys: Array, names: Array| -> JsValue {
            let found = fields::form_rules(op, &strings(&keys.to_vec()), &strings(&names.to_vec()));
            Int32Array::from(&found[..]).into()
        },
    )
    .into_js_value()
}

/// The elements of a JS array as strings (`""` for a non-string).
fn strings(list: &[JsValue]) -> Vec<String> {
    list.iter().map(text).collect()
}

/// Shows a `ValidationError`'s field errors on a form; returns the keys that
/// name no control of the form.
///
/// `form` must be an `HTMLFormElement` (of any realm) and `error` a
/// `ValidationError` (recognised by its brand, `name` and `kind`, so one
/// from another copy of the package or an iframe works too); with anything
/// else this does nothing and returns `[]`.
///
/// `options` (optional):
/// - `invalidClass: string`: a class added to each invalid control;
/// - `focus: boolean`: `false` leaves the focus where it is;
/// - `formatMessage(messages: string[], field: string) => string`: the text
///   to show (and to give `setCustomValidity`) for a field; the default joins
///   the messages with `"\n"`.
///
/// See the module documentation for exactly what is changed, and
/// [`clear_errors`] for undoing it. The npm package's `bindErrors` is the
/// same function (`src/js/forms.js`), as the example shows.
///
/// ```js
/// import { bindErrors, clearErrors, isValidationError } from "projekt-client";
///
/// form.addEventListener("submit", async (event) => {
///   event.preventDefault();
///   clearErrors(form);
///   try {
///     await client.post("/issues", Object.fromEntries(new FormData(form)));
///   } catch (error) {
///     if (!isValidationError(error)) throw error;
///     const unmatched = bindErrors(form, error, { invalidClass: "is-invalid" });
///     if (unmatched.length) console.warn("no control for", unmatched);
///   }
/// });
/// ```
///
/// From Rust, with the JS error object of [`Error::to_js`](crate::Error::to_js):
///
/// ```no_run
/// # async fn demo(client: &projekt_client::Client, form: &web_sys::Element) -> Result<(), projekt_client::Error> {
/// use projekt_client::{bind_errors, clear_errors};
/// use std::collections::HashMap;
/// // `form` is the `<form>` element (a `web_sys` element or any JS value
/// // holding one); `body` what the user typed.
/// let body = HashMap::from([("title", ""), ("priority", "urgent")]);
/// clear_errors(form);
/// match client.post("/issues").json(&body).await {
///     Err(e) if e.is_validation() => {
///         let options = js_sys::Object::new();
///         js_sys::Reflect::set(&options, &"invalidClass".into(), &"is-invalid".into()).ok();
///         let unmatched = bind_errors(form, &e.to_js(), &options);
///         // `unmatched` lists the keys no control of the form shows.
///     }
///     other => { other?; }
/// }
/// # Ok(()) }
/// ```
pub fn bind_errors(form: &JsValue, error: &JsValue, options: &JsValue) -> Array {
    js_bind_errors(form, error, options, &rules())
}

/// Undoes [`bind_errors`] on a form: removes the message elements it created,
/// puts back the content of reused `[data-error-for]` elements and of the
/// summary, restores `aria-invalid`, `aria-describedby`, `class`, `hidden`
/// and `role` as they were, resets the custom validity and removes its
/// listeners. Afterwards the form's `outerHTML` is what it was before.
///
/// Anything that is not a form is ignored.
///
/// ```js
/// import { clearErrors } from "projekt-client";
/// form.addEventListener("reset", () => clearErrors(form));
/// ```
///
/// From Rust:
///
/// ```no_run
/// # fn demo(form: &web_sys::Element) {
/// use projekt_client::clear_errors;
/// // The user pressed "Cancel": the form shows no server errors any more.
/// clear_errors(form);
/// # }
/// ```
pub fn clear_errors(form: &JsValue) {
    js_clear_errors(form);
}

/// Each field of a `ValidationError` with its first message, as an array of
/// `[field, message]` pairs in the server's order; `[]` for anything that is
/// not a `ValidationError`.
///
/// Made for the one-line hand-over to a form library. Keys that cannot name
/// a field safely (`__proto__`, `constructor`, `prototype` parts, empty or
/// malformed keys) are left out, so path-setting helpers cannot be turned
/// against the page.
///
/// ```js
/// import { fieldMessages } from "projekt-client";
///
/// // react-hook-form
/// for (const [name, message] of fieldMessages(error)) setError(name, { type: "server", message });
/// // Vue (a reactive object) or Svelte (a writable store)
/// Object.assign(serverErrors, Object.fromEntries(fieldMessages(error)));
/// errors.set(Object.fromEntries(fieldMessages(error)));
/// ```
///
/// From Rust, for a JS error object (for a [`crate::Error`],
/// [`Error::field_messages`](crate::Error::field_messages) gives the same
/// pairs as Rust strings):
///
/// ```no_run
/// # fn demo(error: &projekt_client::Error) {
/// use projekt_client::field_messages;
/// use js_sys::Array;
/// let js_error = error.to_js(); // or one a JS library handed over
/// for pair in Array::from(&field_messages(&js_error)).iter() {
///     let pair = Array::from(&pair);
///     let (field, message) = (pair.get(0), pair.get(1)); // e.g. "title", "Title is required"
/// }
/// # }
/// ```
pub fn field_messages(error: &JsValue) -> JsValue {
    js_field_messages(error, &rules())
}
