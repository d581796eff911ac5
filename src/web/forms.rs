//! Showing a `ValidationError` on an HTML form: `bindErrors`, `clearErrors`
//! and `fieldMessages`.
//!
//! The matching of server keys to control names is pure and lives in
//! [`crate::fields`]; this module only reads and writes the DOM.
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
//! allowed to fail; a failure skips that step, never panics.
//!
//! The per-form state (listeners, created elements, original attribute
//! values) lives in this module until `clearErrors`, the next `bindErrors` of
//! that form, or the user clearing its last field; `bindErrors` also clears
//! the state of forms that are no longer in a document, so it stays bounded
//! by the forms on screen.

use std::cell::{Cell, RefCell};

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::fields;

/// The brand every error of this package carries, so guards work across
/// realms and duplicate copies of the package.
const BRAND: &str = "projekt-client.error";
/// Attribute on the elements this module creates, so stray ones (from a
/// state that was lost) can be found and removed.
const CREATED_ATTR: &str = "data-projekt-created";
const ERROR_FOR_ATTR: &str = "data-error-for";
const SUMMARY_SELECTOR: &str = "[data-error-summary]";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
/// Bounds on what is read from an error, so a hostile or broken object
/// cannot make the page spin.
const MAX_FIELDS: usize = 2_000;
const MAX_MESSAGES: usize = 100;
const MAX_CONTROLS: u32 = 50_000;

/// DOM calls bound to the prototypes (`final`), each allowed to throw.
mod dom {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        pub type Node;
        #[wasm_bindgen(method, getter, final, catch, js_name = parentNode)]
        pub fn parent_node(this: &Node) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, getter, final, catch, js_name = nextSibling)]
        pub fn next_sibling(this: &Node) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, getter, final, catch, js_name = childNodes)]
        pub fn child_nodes(this: &Node) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, getter, final, catch, js_name = ownerDocument)]
        pub fn owner_document(this: &Node) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, getter, final, catch, js_name = isConnected)]
        pub fn is_connected(this: &Node) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, setter, final, catch, js_name = textContent)]
        pub fn set_text_content(this: &Node, text: &str) -> Result<(), JsValue>;
        #[wasm_bindgen(method, final, catch, js_name = insertBefore)]
        pub fn insert_before(
            this: &Node,
            node: &JsValue,
            child: &JsValue,
        ) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, final, catch, js_name = appendChild)]
        pub fn append_child(this: &Node, node: &JsValue) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, final, catch)]
        pub fn contains(this: &Node, other: &JsValue) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, final, catch, js_name = getRootNode)]
        pub fn get_root_node(this: &Node) -> Result<JsValue, JsValue>;

        pub type Element;
        #[wasm_bindgen(method, getter, final, catch, js_name = namespaceURI)]
        pub fn namespace_uri(this: &Element) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, getter, final, catch, js_name = localName)]
        pub fn local_name(this: &Element) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, final, catch, js_name = getAttribute)]
        pub fn get_attribute(this: &Element, name: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, final, catch, js_name = setAttribute)]
        pub fn set_attribute(this: &Element, name: &str, value: &str) -> Result<(), JsValue>;
        #[wasm_bindgen(method, final, catch, js_name = removeAttribute)]
        pub fn remove_attribute(this: &Element, name: &str) -> Result<(), JsValue>;
        #[wasm_bindgen(method, final, catch, js_name = getAttributeNames)]
        pub fn get_attribute_names(this: &Element) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, final, catch, js_name = querySelectorAll)]
        pub fn query_selector_all(this: &Element, selectors: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, final, catch)]
        pub fn closest(this: &Element, selectors: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, final, catch)]
        pub fn remove(this: &Element) -> Result<(), JsValue>;
        #[wasm_bindgen(method, getter, final, catch, js_name = nextElementSibling)]
        pub fn next_element_sibling(this: &Element) -> Result<JsValue, JsValue>;

        pub type HTMLElement;
        #[wasm_bindgen(method, final, catch)]
        pub fn focus(this: &HTMLElement) -> Result<(), JsValue>;

        pub type HTMLFormElement;
        #[wasm_bindgen(method, getter, final, catch)]
        pub fn elements(this: &HTMLFormElement) -> Result<JsValue, JsValue>;

        pub type Document;
        #[wasm_bindgen(method, final, catch, js_name = createElement)]
        pub fn create_element(this: &Document, local_name: &str) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, final, catch, js_name = getElementById)]
        pub fn get_element_by_id(this: &Document, id: &str) -> Result<JsValue, JsValue>;

        pub type EventTarget;
        #[wasm_bindgen(method, final, catch, js_name = addEventListener)]
        pub fn add_event_listener(
            this: &EventTarget,
            kind: &str,
            listener: &JsValue,
        ) -> Result<(), JsValue>;
        #[wasm_bindgen(method, final, catch, js_name = removeEventListener)]
        pub fn remove_event_listener(
            this: &EventTarget,
            kind: &str,
            listener: &JsValue,
        ) -> Result<(), JsValue>;

        pub type Event;
        #[wasm_bindgen(method, getter, final, catch, js_name = type)]
        pub fn kind(this: &Event) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(method, getter, final, catch)]
        pub fn target(this: &Event) -> Result<JsValue, JsValue>;
    }

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
        pub fn object_keys(object: &JsValue) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
        pub fn is_array(value: &JsValue) -> Result<bool, JsValue>;
        #[wasm_bindgen(js_namespace = Symbol, js_name = for, catch)]
        pub fn symbol_for(key: &str) -> Result<JsValue, JsValue>;
    }
}

// ---------------------------------------------------------------------------
// Small fallible helpers over `JsValue`.

fn node(value: &JsValue) -> &dom::Node {
    value.unchecked_ref()
}

fn element(value: &JsValue) -> &dom::Element {
    value.unchecked_ref()
}

/// `Some` when the value is neither `null` nor `undefined`.
fn present(value: Result<JsValue, JsValue>) -> Option<JsValue> {
    value.ok().filter(|v| !v.is_null() && !v.is_undefined())
}

fn is_objectish(value: &JsValue) -> bool {
    value.is_object() || value.is_function()
}

/// `obj[key]`, or `None` when `obj` is not an object or the read throws.
fn get(obj: &JsValue, key: &JsValue) -> Option<JsValue> {
    if !is_objectish(obj) {
        return None;
    }
    Reflect::get(obj, key).ok()
}

fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    get(obj, &JsValue::from_str(key)).and_then(|v| v.as_string())
}

/// The items of an array-like (a `NodeList`, a collection, an array), at
/// most `max` of them.
fn items(list: &JsValue, max: u32) -> Vec<JsValue> {
    let length = get(list, &JsValue::from_str("length"))
        .and_then(|v| v.as_f64())
        .filter(|n| n.is_finite() && *n > 0.0)
        .map_or(0, |n| n.min(f64::from(max)) as u32);
    (0..length)
        .filter_map(|i| get(list, &JsValue::from(i)))
        .collect()
}

fn attribute(el: &JsValue, name: &str) -> Option<String> {
    element(el)
        .get_attribute(name)
        .ok()
        .and_then(|v| v.as_string())
}

fn set_attribute(el: &JsValue, name: &str, value: &str) {
    let _ = element(el).set_attribute(name, value);
}

fn remove_attribute(el: &JsValue, name: &str) {
    let _ = element(el).remove_attribute(name);
}

/// Sets an attribute back to a remembered value, or removes it when it had
/// none.
fn put_attribute(el: &JsValue, name: &str, value: Option<&str>) {
    match value {
        Some(value) => set_attribute(el, name, value),
        None => remove_attribute(el, name),
    }
}

fn attribute_names(el: &JsValue) -> Vec<String> {
    element(el)
        .get_attribute_names()
        .map(|names| {
            items(&names, 10_000)
                .into_iter()
                .filter_map(|n| n.as_string())
                .collect()
        })
        .unwrap_or_default()
}

fn local_name(el: &JsValue) -> String {
    element(el)
        .local_name()
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

fn query_all(root: &JsValue, selectors: &str) -> Vec<JsValue> {
    element(root)
        .query_selector_all(selectors)
        .map(|list| items(&list, MAX_CONTROLS))
        .unwrap_or_default()
}

/// Whether `el` is the focused element of its document or shadow root;
/// `None` when that cannot be told.
fn is_focused(el: &JsValue) -> Option<bool> {
    let root = present(node(el).get_root_node())?;
    let active = get(&root, &JsValue::from_str("activeElement"))?;
    Some(Object::is(&active, el))
}

fn contains(outer: &JsValue, inner: &JsValue) -> bool {
    node(outer)
        .contains(inner)
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

fn set_text(el: &JsValue, text: &str) {
    let _ = node(el).set_text_content(text);
}

fn append(parent: &JsValue, child: &JsValue) -> bool {
    node(parent).append_child(child).is_ok()
}

/// Inserts `new` right after `anchor`; `false` when that is impossible.
fn insert_after(anchor: &JsValue, new: &JsValue) -> bool {
    let Some(parent) = present(node(anchor).parent_node()) else {
        return false;
    };
    let next = node(anchor).next_sibling().unwrap_or(JsValue::NULL);
    node(&parent).insert_before(new, &next).is_ok()
}

fn remove_element(el: &JsValue) {
    let _ = element(el).remove();
}

fn set_custom_validity(el: &JsValue, message: &str) {
    // Inputs, selects, text areas, buttons, outputs, fieldsets and objects
    // each have their own `setCustomValidity`; call whichever this one has.
    if let Some(method) = get(el, &JsValue::from_str("setCustomValidity")) {
        if let Some(method) = method.dyn_ref::<Function>() {
            let _ = method.call1(el, &JsValue::from_str(message));
        }
    }
}

fn document_of(el: &JsValue) -> Option<JsValue> {
    present(node(el).owner_document())
}

fn create_element(document: &JsValue, name: &str) -> Option<JsValue> {
    present(
        document
            .unchecked_ref::<dom::Document>()
            .create_element(name),
    )
}

thread_local! {
    /// The state of every form with marks on it.
    static BINDINGS: RefCell<Vec<Binding>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

/// A fresh element id, unused in `document`.
fn fresh_id(document: &JsValue) -> String {
    let doc = document.unchecked_ref::<dom::Document>();
    for _ in 0..1_000 {
        let n = NEXT_ID.try_with(|c| {
            let n = c.get();
            c.set(n.wrapping_add(1));
            n
        });
        let id = format!("projekt-error-{}", n.unwrap_or(0));
        if present(doc.get_element_by_id(&id)).is_none() {
            return id;
        }
    }
    // A document with a thousand such ids already: use a random suffix.
    format!("projekt-error-r{}", (js_sys::Math::random() * 1e15) as u64)
}

// ---------------------------------------------------------------------------
// Reading the inputs.

/// `form` as a form element of any realm, or `None`.
fn as_form(form: &JsValue) -> Option<JsValue> {
    if !form.is_object() {
        return None;
    }
    if form.dyn_ref::<web_sys::HtmlFormElement>().is_some() {
        return Some(form.clone());
    }
    // A form from another realm (an iframe) fails `instanceof`. `localName`
    // (unlike `nodeName`) is lower case in XHTML documents too.
    let name = element(form).local_name().ok()?.as_string()?;
    let namespace = element(form).namespace_uri().ok()?.as_string()?;
    (name == "form" && namespace == XHTML_NS).then(|| form.clone())
}

/// The field map of a `ValidationError` (checked by brand, `name` and
/// `kind`, so errors from another realm or package copy are accepted), with
/// non-string and empty messages dropped and fields left without messages
/// skipped. `None` for anything else.
fn field_errors(error: &JsValue) -> Option<Vec<(String, Vec<String>)>> {
    if !is_objectish(error) {
        return None;
    }
    let brand = dom::symbol_for(BRAND).ok()?;
    if get(error, &brand)?.as_bool() != Some(true)
        || get_str(error, "name").as_deref() != Some("ValidationError")
        || get_str(error, "kind").as_deref() != Some("validation")
    {
        return None;
    }
    let map = get(error, &JsValue::from_str("fieldErrors"))?;
    if !is_objectish(&map) {
        return None;
    }
    let keys = dom::object_keys(&map).ok()?;
    let mut fields = Vec::new();
    for key in items(&keys, MAX_FIELDS as u32) {
        let Some(name) = key.as_string() else {
            continue;
        };
        let Some(value) = get(&map, &key) else {
            continue;
        };
        let messages: Vec<String> = if let Some(single) = value.as_string() {
            vec![single]
        } else if dom::is_array(&value).unwrap_or(false) {
            items(&value, MAX_MESSAGES as u32)
                .into_iter()
                .filter_map(|m| m.as_string())
                .collect()
        } else {
            Vec::new()
        };
        let messages: Vec<String> = messages.into_iter().filter(|m| !m.is_empty()).collect();
        if !messages.is_empty() {
            fields.push((name, messages));
        }
    }
    Some(fields)
}

/// The `bindErrors` options, read defensively.
struct Options {
    invalid_class: Option<String>,
    focus: bool,
    format: Option<Function>,
}

impl Options {
    fn read(options: &JsValue) -> Options {
        let invalid_class = get_str(options, "invalidClass")
            .filter(|c| !c.is_empty() && !c.chars().any(|ch| ch.is_ascii_whitespace()));
        let focus =
            get(options, &JsValue::from_str("focus")).and_then(|v| v.as_bool()) != Some(false);
        let format = get(options, &JsValue::from_str("formatMessage"))
            .and_then(|f| f.dyn_into::<Function>().ok());
        Options {
            invalid_class,
            focus,
            format,
        }
    }

    /// The formatter's text for a field, if it gives a non-empty string.
    fn formatted(&self, messages: &[String], field: &str) -> Option<String> {
        let format = self.format.as_ref()?;
        let list: Array = messages.iter().map(|m| JsValue::from_str(m)).collect();
        format
            .call2(&JsValue::UNDEFINED, &list, &JsValue::from_str(field))
            .ok()?
            .as_string()
            .filter(|text| !text.is_empty())
    }
}

// ---------------------------------------------------------------------------
// The state kept per form, and how each piece is undone.

/// An attribute value this module set, with the value it replaced.
struct SetAttr {
    name: &'static str,
    original: Option<String>,
    set_to: String,
}

impl SetAttr {
    fn apply(el: &JsValue, name: &'static str, value: String) -> SetAttr {
        let original = attribute(el, name);
        set_attribute(el, name, &value);
        SetAttr {
            name,
            original,
            set_to: value,
        }
    }

    /// Puts the original back, unless something else changed the attribute
    /// since (then that change is kept).
    fn undo(&self, el: &JsValue) {
        if attribute(el, self.name).as_deref() == Some(self.set_to.as_str()) {
            put_attribute(el, self.name, self.original.as_deref());
        }
    }
}

/// A control's `aria-describedby`, extended with a message element's id.
struct DescribedBy {
    original: Option<String>,
    set_to: String,
    id: String,
}

impl DescribedBy {
    fn apply(el: &JsValue, id: &str) -> Option<DescribedBy> {
        let original = attribute(el, "aria-describedby");
        let already = original
            .as_deref()
            .is_some_and(|ids| ids.split_ascii_whitespace().any(|i| i == id));
        if already {
            return None;
        }
        let set_to = match original.as_deref().map(str::trim) {
            Some(ids) if !ids.is_empty() => format!("{ids} {id}"),
            _ => id.to_string(),
        };
        set_attribute(el, "aria-describedby", &set_to);
        Some(DescribedBy {
            original,
            set_to,
            id: id.to_string(),
        })
    }

    fn undo(&self, el: &JsValue) {
        let current = attribute(el, "aria-describedby");
        if current.as_deref() == Some(self.set_to.as_str()) {
            put_attribute(el, "aria-describedby", self.original.as_deref());
            return;
        }
        // Changed by someone else meanwhile: only take our id out.
        let Some(current) = current else {
            return;
        };
        let rest: Vec<&str> = current
            .split_ascii_whitespace()
            .filter(|i| *i != self.id)
            .collect();
        if rest.is_empty() && self.original.is_none() {
            remove_attribute(el, "aria-describedby");
        } else if rest.len() != current.split_ascii_whitespace().count() {
            set_attribute(el, "aria-describedby", &rest.join(" "));
        }
    }
}

/// The invalid class, added to a control that did not have it.
struct AddedClass {
    class: String,
    original: Option<String>,
    set_to: Option<String>,
}

impl AddedClass {
    fn apply(el: &JsValue, class: &str) -> Option<AddedClass> {
        let list = get(el, &JsValue::from_str("classList"))?;
        let has = |list: &JsValue| {
            call_method(list, "contains", class)
                .and_then(|v| v.as_bool())
                .unwrap_or(true)
        };
        if has(&list) {
            return None;
        }
        let original = attribute(el, "class");
        call_method(&list, "add", class)?;
        Some(AddedClass {
            class: class.to_string(),
            original,
            set_to: attribute(el, "class"),
        })
    }

    fn undo(&self, el: &JsValue) {
        let current = attribute(el, "class");
        if current == self.set_to {
            // `classList.remove` would re-serialise the attribute (spacing);
            // put back the exact original text.
            put_attribute(el, "class", self.original.as_deref());
            return;
        }
        if let Some(list) = get(el, &JsValue::from_str("classList")) {
            let _ = call_method(&list, "remove", &self.class);
        }
        if self.original.is_none() && attribute(el, "class").as_deref() == Some("") {
            remove_attribute(el, "class");
        }
    }
}

/// `obj[name](arg)`, or `None` when it is not a function or throws.
fn call_method(obj: &JsValue, name: &str, arg: &str) -> Option<JsValue> {
    let method = get(obj, &JsValue::from_str(name))?
        .dyn_into::<Function>()
        .ok()?;
    method.call1(obj, &JsValue::from_str(arg)).ok()
}

/// A page element whose content this module replaced: a reused
/// `[data-error-for]` element or the summary. Its children are kept (the
/// very nodes, so their listeners survive) and put back.
struct Filled {
    el: JsValue,
    children: Vec<JsValue>,
    /// Every attribute, in order, before any change.
    attributes: Vec<(String, Option<String>)>,
    /// The attributes this module changed.
    touched: Vec<&'static str>,
}

impl Filled {
    fn take(el: &JsValue) -> Filled {
        let children = node(el)
            .child_nodes()
            .map(|list| items(&list, 100_000))
            .unwrap_or_default();
        let attributes = attribute_names(el)
            .into_iter()
            .map(|name| {
                let value = attribute(el, &name);
                (name, value)
            })
            .collect();
        Filled {
            el: el.clone(),
            children,
            attributes,
            touched: Vec::new(),
        }
    }

    fn set(&mut self, name: &'static str, value: Option<&str>) {
        self.touched.push(name);
        put_attribute(&self.el, name, value);
    }

    fn original(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    fn undo(&self) {
        set_text(&self.el, "");
        for child in &self.children {
            append(&self.el, child);
        }
        for name in &self.touched {
            put_attribute(&self.el, name, self.original(name));
        }
        // An attribute that was removed and set again (`hidden`) comes back
        // last; re-append the originals in their first order.
        let original: Vec<&str> = self.attributes.iter().map(|(n, _)| n.as_str()).collect();
        let now = attribute_names(&self.el);
        let now_originals: Vec<&str> = now
            .iter()
            .map(String::as_str)
            .filter(|n| original.contains(n))
            .collect();
        if now_originals != original {
            for (name, _) in &self.attributes {
                if let Some(value) = attribute(&self.el, name) {
                    remove_attribute(&self.el, name);
                    set_attribute(&self.el, name, &value);
                }
            }
        }
    }
}

/// The message element of one field.
enum Message {
    Created(JsValue),
    Reused(Filled),
}

impl Message {
    fn undo(&self) {
        match self {
            Message::Created(el) => remove_element(el),
            Message::Reused(filled) => filled.undo(),
        }
    }
}

/// One control marked invalid.
struct ControlMark {
    el: JsValue,
    aria_invalid: SetAttr,
    described_by: Option<DescribedBy>,
    class: Option<AddedClass>,
}

impl ControlMark {
    fn undo(&self) {
        set_custom_validity(&self.el, "");
        if let Some(class) = &self.class {
            class.undo(&self.el);
        }
        if let Some(described_by) = &self.described_by {
            described_by.undo(&self.el);
        }
        self.aria_invalid.undo(&self.el);
    }
}

/// One field shown on its controls.
struct Mark {
    parts: Vec<String>,
    controls: Vec<ControlMark>,
    message: Option<Message>,
}

impl Mark {
    fn undo(&self) {
        for control in &self.controls {
            control.undo();
        }
        if let Some(message) = &self.message {
            message.undo();
        }
    }
}

/// Everything `bindErrors` did to one form.
struct Binding {
    form: JsValue,
    listener: Option<Closure<dyn Fn(JsValue)>>,
    /// Where the listener is attached: the form, and any marked control
    /// outside it (`form="…"`), whose events do not reach the form.
    targets: Vec<JsValue>,
    marks: Vec<Mark>,
    summary: Option<Filled>,
}

const EVENTS: [&str; 2] = ["input", "change"];

/// A listener and the targets it is attached to.
type Listening = (Option<Closure<dyn Fn(JsValue)>>, Vec<JsValue>);

/// Removes the listener from its targets and drops it. Dropping it while it
/// runs (an edit that cleared the last field) is fine: wasm-bindgen frees a
/// closure only once its running calls have returned.
fn detach((listener, targets): Listening) {
    let Some(listener) = listener else {
        return;
    };
    for target in targets {
        for kind in EVENTS {
            let _ = target
                .unchecked_ref::<dom::EventTarget>()
                .remove_event_listener(kind, listener.as_ref());
        }
    }
    drop(listener);
}

impl Binding {
    fn take_listener(&mut self) -> Listening {
        (self.listener.take(), std::mem::take(&mut self.targets))
    }

    fn undo(mut self) {
        detach(self.take_listener());
        for mark in &self.marks {
            mark.undo();
        }
        if let Some(summary) = &self.summary {
            summary.undo();
        }
    }
}

/// Runs `f` on the bindings, unless they are already borrowed (a page
/// callback re-entering this module from inside a DOM call); never panics.
fn with_bindings<R>(f: impl FnOnce(&mut Vec<Binding>) -> R) -> Option<R> {
    BINDINGS
        .try_with(|cell| cell.try_borrow_mut().ok().map(|mut b| f(&mut b)))
        .ok()
        .flatten()
}

/// Removes and returns the bindings that `pick` selects. The DOM is only
/// touched after the borrow ends, so page code run by a DOM call may call
/// back into this module.
fn take_bindings(pick: impl Fn(&Binding) -> bool) -> Vec<Binding> {
    with_bindings(|all| {
        let mut taken = Vec::new();
        let mut i = 0;
        while i < all.len() {
            if pick(&all[i]) {
                taken.push(all.swap_remove(i));
            } else {
                i += 1;
            }
        }
        taken
    })
    .unwrap_or_default()
}

/// Undoes everything done to `form`, including elements created by a state
/// that was lost.
fn clear_form(form: &JsValue) {
    for binding in take_bindings(|b| Object::is(&b.form, form)) {
        binding.undo();
    }
    for stray in query_all(form, &format!("[{CREATED_ATTR}]")) {
        remove_element(&stray);
    }
}

/// Clears the forms that left the document, so their state is not kept.
fn clear_detached_forms() {
    let detached = take_bindings(|b| {
        node(&b.form).is_connected().ok().and_then(|v| v.as_bool()) == Some(false)
    });
    for binding in detached {
        binding.undo();
    }
}

// ---------------------------------------------------------------------------
// Clearing on edit.

fn on_edit(form: &JsValue, event: &JsValue) {
    let event = event.unchecked_ref::<dom::Event>();
    let Some(target) = present(event.target()) else {
        return;
    };
    let kind = event.kind().ok().and_then(|v| v.as_string());
    if kind.as_deref() == Some("change") && !fires_change(&target) {
        return;
    }
    let Some(edited) = attribute(&target, "name").and_then(|n| fields::control_parts(&n)) else {
        return;
    };
    let (cleared, finished) = with_bindings(|all| {
        let Some(index) = all.iter().position(|b| Object::is(&b.form, form)) else {
            return (Vec::new(), (None, Vec::new()));
        };
        let binding = &mut all[index];
        let (cleared, kept): (Vec<Mark>, Vec<Mark>) = binding
            .marks
            .drain(..)
            .partition(|mark| mark.parts.starts_with(&edited));
        binding.marks = kept;
        // Nothing left to clear on edit: stop listening. The summary (if
        // any) stays until `clearErrors` or the next `bindErrors`.
        let finished = if binding.marks.is_empty() {
            let listening = binding.take_listener();
            if binding.summary.is_none() {
                all.swap_remove(index);
            }
            listening
        } else {
            (None, Vec::new())
        };
        (cleared, finished)
    })
    .unwrap_or_default();
    for mark in &cleared {
        mark.undo();
    }
    detach(finished);
}

/// Whether a `change` event from this control is an edit (for text fields
/// the `input` event already said so).
fn fires_change(control: &JsValue) -> bool {
    match local_name(control).as_str() {
        "select" => true,
        "input" => matches!(
            get_str(control, "type")
                .map(|t| t.to_ascii_lowercase())
                .as_deref(),
            Some("checkbox" | "radio" | "file")
        ),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// Binding.

/// One field to show: the server keys that name it (several notations of
/// one field are merged) and their messages.
struct Group {
    keys: Vec<String>,
    parts: Option<Vec<String>>,
    messages: Vec<String>,
}

fn group_fields(map: Vec<(String, Vec<String>)>) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (key, messages) in map {
        let parts = fields::key_parts(&key);
        if let Some(existing) = parts
            .as_ref()
            .and_then(|p| groups.iter_mut().find(|g| g.parts.as_ref() == Some(p)))
        {
            existing.keys.push(key);
            existing.messages.extend(messages);
            continue;
        }
        groups.push(Group {
            keys: vec![key],
            parts,
            messages,
        });
    }
    groups
}

/// A named control of the form, in document order.
struct Control {
    el: JsValue,
    name: String,
}

fn form_controls(form: &JsValue) -> Vec<Control> {
    let Ok(elements) = form.unchecked_ref::<dom::HTMLFormElement>().elements() else {
        return Vec::new();
    };
    items(&elements, MAX_CONTROLS)
        .into_iter()
        .filter(|el| {
            !(local_name(el) == "input"
                && attribute(el, "type").is_some_and(|t| t.trim().eq_ignore_ascii_case("hidden")))
        })
        .filter_map(|el| {
            let name = attribute(&el, "name").filter(|n| !n.is_empty())?;
            Some(Control { el, name })
        })
        .collect()
}

/// The element after which a control's message goes: the control, or the
/// label that wraps it or directly follows it.
fn anchor_of(control: &JsValue) -> JsValue {
    if let Some(label) = present(element(control).closest("label")) {
        return label;
    }
    if let Some(next) = present(element(control).next_element_sibling()) {
        let id = attribute(control, "id");
        if local_name(&next) == "label" && id.is_some() && attribute(&next, "for") == id {
            return next;
        }
    }
    control.clone()
}

/// Whether every named control of the fieldset is one of `controls` (and
/// all of them are inside it): only then is its legend the group's label.
fn fieldset_holds_only(fieldset: &JsValue, controls: &[JsValue]) -> bool {
    if !controls.iter().all(|c| contains(fieldset, c)) {
        return false;
    }
    let Some(listed) = get(fieldset, &JsValue::from_str("elements")) else {
        return false;
    };
    items(&listed, MAX_CONTROLS).iter().all(|el| {
        attribute(el, "name").map_or(true, |n| n.is_empty())
            || controls.iter().any(|c| Object::is(c, el))
    })
}

/// Where a created message element goes for these controls (document
/// order), as "insert after this element".
fn message_place(form: &JsValue, controls: &[JsValue]) -> Option<JsValue> {
    let first = controls.first()?;
    let last = controls.last()?;
    if controls.len() > 1 {
        if let Some(fieldset) = present(element(first).closest("fieldset")) {
            if fieldset_holds_only(&fieldset, controls) {
                let legend = query_all(&fieldset, ":scope > legend").into_iter().next();
                if let Some(legend) = legend {
                    return Some(legend);
                }
            }
        }
    }
    let anchor = anchor_of(last);
    if Object::is(&anchor, form) {
        return None;
    }
    Some(anchor)
}

/// The form's unused `[data-error-for]` element for this field, if any.
fn reusable_message(
    candidates: &mut Vec<(JsValue, String)>,
    group: &Group,
    names: &[&str],
) -> Option<JsValue> {
    let index = candidates.iter().position(|(_, value)| {
        group.keys.iter().any(|k| k == value)
            || names.contains(&value.as_str())
            || (group.parts.is_some() && fields::control_parts(value) == group.parts)
    })?;
    Some(candidates.remove(index).0)
}

/// Marks one field's controls; returns the mark.
fn mark_field(
    form: &JsValue,
    document: &JsValue,
    group: &Group,
    controls: &[&Control],
    text: &str,
    options: &Options,
    candidates: &mut Vec<(JsValue, String)>,
) -> Mark {
    let els: Vec<JsValue> = controls.iter().map(|c| c.el.clone()).collect();
    let mut names: Vec<&str> = controls.iter().map(|c| c.name.as_str()).collect();
    names.dedup();
    let key = group.keys.first().map(String::as_str).unwrap_or_default();

    let message = match reusable_message(candidates, group, &names) {
        Some(el) => {
            let mut filled = Filled::take(&el);
            set_text(&el, text);
            if attribute(&el, "hidden").is_some() {
                filled.set("hidden", None);
            }
            Some(Message::Reused(filled))
        }
        None => create_element(document, "div").and_then(|el| {
            set_attribute(&el, CREATED_ATTR, "");
            set_attribute(&el, ERROR_FOR_ATTR, key);
            set_attribute(&el, "id", &fresh_id(document));
            if let Some(style) = get(&el, &JsValue::from_str("style")) {
                let _ = Reflect::set(
                    &style,
                    &JsValue::from_str("whiteSpace"),
                    &JsValue::from_str("pre-line"),
                );
            }
            set_text(&el, text);
            let placed = match message_place(form, &els) {
                Some(anchor) => insert_after(&anchor, &el),
                None => false,
            };
            (placed || append(form, &el)).then_some(Message::Created(el))
        }),
    };
    let mut message = message;
    let message_id = match &mut message {
        Some(Message::Created(el)) => attribute(el, "id"),
        Some(Message::Reused(filled)) => {
            match attribute(&filled.el, "id").filter(|id| !id.is_empty()) {
                Some(id) => Some(id),
                None => {
                    let id = fresh_id(document);
                    filled.set("id", Some(&id));
                    Some(id)
                }
            }
        }
        None => None,
    };

    let marks = els
        .iter()
        .map(|el| {
            set_custom_validity(el, text);
            ControlMark {
                el: el.clone(),
                aria_invalid: SetAttr::apply(el, "aria-invalid", "true".to_string()),
                described_by: message_id
                    .as_deref()
                    .and_then(|id| DescribedBy::apply(el, id)),
                class: options
                    .invalid_class
                    .as_deref()
                    .and_then(|class| AddedClass::apply(el, class)),
            }
        })
        .collect();
    Mark {
        parts: group.parts.clone().unwrap_or_default(),
        controls: marks,
        message,
    }
}

/// Fills the form's summary element with the unmatched fields' texts.
fn fill_summary(form: &JsValue, document: &JsValue, lines: &[String]) -> Option<Filled> {
    if lines.is_empty() {
        return None;
    }
    let summary = query_all(form, SUMMARY_SELECTOR).into_iter().next()?;
    let mut filled = Filled::take(&summary);
    let list_name = local_name(&summary);
    let list = if list_name == "ul" || list_name == "ol" {
        set_text(&summary, "");
        summary.clone()
    } else {
        let list = create_element(document, "ul")?;
        set_text(&summary, "");
        append(&summary, &list);
        list
    };
    for line in lines {
        if let Some(item) = create_element(document, "li") {
            set_text(&item, line);
            append(&list, &item);
        }
    }
    filled.set("role", Some("alert"));
    if filled.original("hidden").is_some() {
        filled.set("hidden", None);
    }
    Some(filled)
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
/// [`clear_errors`] for undoing it.
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
#[wasm_bindgen(js_name = bindErrors)]
pub fn bind_errors(form: &JsValue, error: &JsValue, options: &JsValue) -> Array {
    let unmatched = Array::new();
    let Some(form) = as_form(form) else {
        return unmatched;
    };
    let Some(map) = field_errors(error) else {
        return unmatched;
    };
    let options = Options::read(options);
    let groups = group_fields(map);
    // The formatter is page code: run it (once a field) before any state is
    // touched.
    let formatted: Vec<Option<String>> = groups
        .iter()
        .map(|g| options.formatted(&g.messages, g.keys.first().map_or("", String::as_str)))
        .collect();

    clear_form(&form);
    clear_detached_forms();
    let Some(document) = document_of(&form) else {
        return unmatched;
    };

    let controls = form_controls(&form);
    let names: Vec<&str> = controls.iter().map(|c| c.name.as_str()).collect();
    let keyed: Vec<(String, Vec<String>)> = groups
        .iter()
        .map(|g| (g.keys.first().cloned().unwrap_or_default(), Vec::new()))
        .collect();
    let matched = fields::matching_controls(&keyed, &names);

    let mut candidates: Vec<(JsValue, String)> = query_all(&form, &format!("[{ERROR_FOR_ATTR}]"))
        .into_iter()
        .filter(|el| attribute(el, CREATED_ATTR).is_none())
        .filter_map(|el| {
            let value = attribute(&el, ERROR_FOR_ATTR)?;
            Some((el, value))
        })
        .collect();

    let mut marks = Vec::new();
    let mut first_invalid: Vec<usize> = Vec::new();
    let mut summary_lines = Vec::new();
    for ((group, indexes), formatted) in groups.iter().zip(&matched).zip(formatted) {
        // `key_parts` refused keys never match; `matching_controls` already
        // gave them no control.
        if indexes.is_empty() || group.parts.is_none() {
            for key in &group.keys {
                unmatched.push(&JsValue::from_str(key));
            }
            match formatted {
                Some(line) => summary_lines.push(line),
                None => summary_lines.extend(group.messages.iter().cloned()),
            }
            continue;
        }
        let group_controls: Vec<&Control> =
            indexes.iter().filter_map(|&i| controls.get(i)).collect();
        first_invalid.extend(indexes.iter().copied());
        marks.push(mark_field(
            &form,
            &document,
            group,
            &group_controls,
            &formatted.unwrap_or_else(|| group.messages.join("\n")),
            &options,
            &mut candidates,
        ));
    }
    let summary = fill_summary(&form, &document, &summary_lines);

    if !marks.is_empty() || summary.is_some() {
        let mut targets = Vec::new();
        let listener = if marks.is_empty() {
            None
        } else {
            let form_for_listener = form.clone();
            let listener: Closure<dyn Fn(JsValue)> =
                Closure::new(move |event: JsValue| on_edit(&form_for_listener, &event));
            targets.push(form.clone());
            for mark in &marks {
                for control in &mark.controls {
                    if !contains(&form, &control.el)
                        && !targets.iter().any(|t| Object::is(t, &control.el))
                    {
                        targets.push(control.el.clone());
                    }
                }
            }
            for target in &targets {
                for kind in EVENTS {
                    let _ = target
                        .unchecked_ref::<dom::EventTarget>()
                        .add_event_listener(kind, listener.as_ref());
                }
            }
            Some(listener)
        };
        let binding = Binding {
            form: form.clone(),
            listener,
            targets,
            marks,
            summary,
        };
        let mut pending = Some(binding);
        with_bindings(|all| all.extend(pending.take()));
        // Only when the state could not be stored: do not leave marks that
        // nothing can clear.
        if let Some(binding) = pending {
            binding.undo();
        }
    }

    // Focus last: focusing runs page code (focus and blur handlers).
    if options.focus {
        first_invalid.sort_unstable();
        first_invalid.dedup();
        for index in first_invalid {
            let Some(control) = controls.get(index) else {
                continue;
            };
            if control
                .el
                .unchecked_ref::<dom::HTMLElement>()
                .focus()
                .is_err()
            {
                continue;
            }
            // A disabled or hidden control refuses the focus: try the next.
            if is_focused(&control.el) != Some(false) {
                break;
            }
        }
    }
    unmatched
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
#[wasm_bindgen(js_name = clearErrors)]
pub fn clear_errors(form: &JsValue) {
    if let Some(form) = as_form(form) {
        clear_form(&form);
    }
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
#[wasm_bindgen(js_name = fieldMessages)]
pub fn field_messages(error: &JsValue) -> JsValue {
    let pairs = Array::new();
    if let Some(map) = field_errors(error) {
        for (field, message) in fields::first_messages(&map) {
            pairs.push(&Array::of2(
                &JsValue::from_str(&field),
                &JsValue::from_str(&message),
            ));
        }
    }
    pairs.into()
}
