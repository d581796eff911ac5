//! Browser tests of `bindErrors`, `clearErrors` and `fieldMessages` on real
//! forms (Chromium and Firefox through wasm-bindgen-test-runner).

use js_sys::{Array, Reflect};
use projekt_client::{bind_errors, clear_errors, field_messages};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlElement};

#[wasm_bindgen(inline_js = r#"
export function brandedError(json) {
  const e = new Error("Validation failed");
  Object.defineProperty(e, Symbol.for("projekt-client.error"), { value: true });
  e.name = "ValidationError";
  e.kind = "validation";
  e.status = 422;
  e.fieldErrors = JSON.parse(json);
  return e;
}
export function withBrand(obj) {
  Object.defineProperty(obj, Symbol.for("projekt-client.error"), { value: true });
  return obj;
}
export function hostileError() {
  const fieldErrors = JSON.parse('{"__proto__": ["proto"], "n": 5, "o": {"a": 1}, "nul": null, "mixed": [1, null, {"x": 1}, "kept", ""], "s": "single"}');
  Object.defineProperty(fieldErrors, "boom", { enumerable: true, get() { throw new Error("getter"); } });
  const e = new Error("x");
  Object.defineProperty(e, Symbol.for("projekt-client.error"), { value: true });
  e.name = "ValidationError";
  e.kind = "validation";
  e.fieldErrors = fieldErrors;
  return e;
}
export function proxyError() {
  const e = new Error("x");
  Object.defineProperty(e, Symbol.for("projekt-client.error"), { value: true });
  e.name = "ValidationError";
  e.kind = "validation";
  e.fieldErrors = new Proxy({}, { ownKeys() { throw new Error("trap"); } });
  return e;
}
export function throwingError() {
  return new Proxy({}, { get() { throw new Error("trap"); } });
}
export function dispatch(el, type) {
  el.dispatchEvent(new Event(type, { bubbles: true }));
}
export function iframeDocument() {
  const frame = document.createElement("iframe");
  document.body.appendChild(frame);
  return frame.contentDocument;
}
export function domException(message, name) {
  return new DOMException(message, name);
}
export function pwned() {
  return window.__pwned === true;
}
export function recordFormat(calls) {
  return (messages, field) => {
    calls.push([messages, field]);
    return field + ": " + messages.join(" / ");
  };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = brandedError)]
    fn branded_error(field_errors_json: &str) -> JsValue;
    #[wasm_bindgen(js_name = withBrand)]
    fn with_brand(obj: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = hostileError)]
    fn hostile_error() -> JsValue;
    #[wasm_bindgen(js_name = proxyError)]
    fn proxy_error() -> JsValue;
    #[wasm_bindgen(js_name = throwingError)]
    fn throwing_error() -> JsValue;
    fn dispatch(el: &JsValue, kind: &str);
    #[wasm_bindgen(js_name = iframeDocument)]
    fn iframe_document() -> Document;
    fn pwned() -> bool;
    #[wasm_bindgen(js_name = domException)]
    fn dom_exception(message: &str, name: &str) -> JsValue;
    #[wasm_bindgen(js_name = recordFormat)]
    fn record_format(calls: &Array) -> JsValue;
}

// The package's own error classes (a second copy of the module, as another
// bundle would load it: the brand must still be recognised).
#[wasm_bindgen(module = "/src/js/runtime.js")]
extern "C" {
    #[wasm_bindgen(js_name = __makeError)]
    fn make_error(
        kind: &str,
        status: u16,
        message: &str,
        method: &str,
        url: &str,
        attempts: u32,
        extra: &JsValue,
    ) -> JsValue;
}

fn document() -> Document {
    Reflect::get(&js_sys::global(), &"document".into())
        .unwrap()
        .unchecked_into()
}

/// A form built from `html` inside a fresh container in the page.
struct Fixture {
    container: Element,
    form: Element,
}

impl Fixture {
    fn new(html: &str) -> Fixture {
        Fixture::in_document(&document(), html)
    }

    fn in_document(doc: &Document, html: &str) -> Fixture {
        let container = doc.create_element("div").unwrap();
        container.set_inner_html(html);
        doc.body().unwrap().append_child(&container).unwrap();
        let form = container.query_selector("form").unwrap().unwrap();
        Fixture { container, form }
    }

    fn form(&self) -> &JsValue {
        self.form.as_ref()
    }

    fn html(&self) -> String {
        self.form.outer_html()
    }

    /// The control with this exact `name`.
    fn control(&self, name: &str) -> HtmlElement {
        self.controls(name)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no control {name}"))
    }

    fn controls(&self, name: &str) -> Vec<HtmlElement> {
        // Through the container: the form's own `querySelectorAll` may be
        // shadowed by a control of that name.
        let list = self.container.query_selector_all("[name]").unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .map(|n| n.unchecked_into::<HtmlElement>())
            .filter(|el| el.get_attribute("name").as_deref() == Some(name))
            .collect()
    }

    fn created(&self) -> u32 {
        self.container
            .query_selector_all("[data-projekt-created]")
            .unwrap()
            .length()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        clear_errors(self.form());
        self.container.remove();
    }
}

fn validation_message(el: &JsValue) -> String {
    Reflect::get(el, &"validationMessage".into())
        .unwrap()
        .as_string()
        .unwrap()
}

/// The texts of the elements a control's `aria-describedby` names.
fn described_by(el: &Element) -> Vec<String> {
    let doc = el.owner_document().unwrap();
    el.get_attribute("aria-describedby")
        .unwrap_or_default()
        .split_ascii_whitespace()
        .map(|id| {
            doc.get_element_by_id(id)
                .unwrap_or_else(|| panic!("aria-describedby names a missing id {id}"))
                .text_content()
                .unwrap_or_default()
        })
        .collect()
}

fn strings(array: &Array) -> Vec<String> {
    array.iter().map(|v| v.as_string().unwrap()).collect()
}

fn active_element() -> Option<Element> {
    document().active_element()
}

const ISSUE_FORM: &str = r#"
<form>
  <label for="title">Title</label>
  <input id="title" name="title" aria-describedby="title-hint">
  <small id="title-hint">Short and clear</small>
  <label>Priority <select name="priority"><option>low</option><option>high</option></select></label>
  <input name="items[0][name]" class="  form-control   wide ">
  <input name="items[1].name">
  <textarea name="body"></textarea>
  <button>Save</button>
</form>"#;

#[wasm_bindgen_test]
fn each_field_gets_validity_aria_and_a_linked_message() {
    let f = Fixture::new(ISSUE_FORM);
    let error = branded_error(
        r#"{"title": ["Title is required"], "items.0.name": ["Too long", "No digits"],
            "items[1][name]": ["Unknown"]}"#,
    );
    let unmatched = bind_errors(f.form(), &error, &JsValue::UNDEFINED);
    assert_eq!(strings(&unmatched), Vec::<String>::new());

    let title = f.control("title");
    assert_eq!(validation_message(&title), "Title is required");
    assert_eq!(title.get_attribute("aria-invalid").as_deref(), Some("true"));
    // The hint stays described; the message is added after it.
    assert_eq!(
        described_by(&title),
        ["Short and clear", "Title is required"]
    );
    assert!(title
        .get_attribute("aria-describedby")
        .unwrap()
        .starts_with("title-hint "));

    let item0 = f.control("items[0][name]");
    assert_eq!(validation_message(&item0), "Too long\nNo digits");
    assert_eq!(described_by(&item0), ["Too long\nNo digits"]);
    let item1 = f.control("items[1].name");
    assert_eq!(validation_message(&item1), "Unknown");
    assert_eq!(item1.get_attribute("aria-invalid").as_deref(), Some("true"));

    let body = f.control("body");
    assert_eq!(validation_message(&body), "");
    assert_eq!(body.get_attribute("aria-invalid"), None);

    // The created message sits right after its control.
    let next = item0.next_element_sibling().unwrap();
    assert_eq!(
        next.get_attribute("data-error-for").as_deref(),
        Some("items.0.name")
    );
    assert_eq!(next.text_content().unwrap(), "Too long\nNo digits");
    assert_eq!(f.created(), 3);
}

#[wasm_bindgen_test]
fn a_message_is_placed_after_a_wrapping_label_not_inside_it() {
    let f = Fixture::new(ISSUE_FORM);
    bind_errors(
        f.form(),
        &branded_error(r#"{"priority": ["Pick one"]}"#),
        &JsValue::UNDEFINED,
    );
    let select = f.control("priority");
    let label = select.parent_element().unwrap();
    assert_eq!(label.local_name(), "label");
    assert!(!label.text_content().unwrap().contains("Pick one"));
    let message = label.next_element_sibling().unwrap();
    assert_eq!(message.text_content().unwrap(), "Pick one");
    assert_eq!(described_by(&select), ["Pick one"]);
}

#[wasm_bindgen_test]
fn clear_errors_restores_the_exact_html() {
    let f = Fixture::new(ISSUE_FORM);
    let before = f.html();
    let error = branded_error(
        r#"{"title": ["Required"], "items.0.name": ["Too long"], "priority": ["Pick"],
            "owner": ["Unknown owner"]}"#,
    );
    let options = js_sys::Object::new();
    Reflect::set(&options, &"invalidClass".into(), &"is-invalid".into()).unwrap();
    bind_errors(f.form(), &error, &options);
    let item0 = f.control("items[0][name]");
    assert!(item0.class_list().contains("is-invalid"));
    assert!(f.control("title").class_list().contains("is-invalid"));
    assert_ne!(f.html(), before);

    clear_errors(f.form());
    assert_eq!(f.html(), before);
    assert_eq!(validation_message(&f.control("title")), "");
    assert_eq!(validation_message(&item0), "");
    // Listeners are gone too: an edit now changes nothing.
    dispatch(&f.control("title"), "input");
    assert_eq!(f.html(), before);
}

#[wasm_bindgen_test]
fn binding_again_replaces_the_marks() {
    let f = Fixture::new(ISSUE_FORM);
    let before = f.html();
    let error = branded_error(r#"{"title": ["Required"], "body": ["Empty"]}"#);
    bind_errors(f.form(), &error, &JsValue::UNDEFINED);
    bind_errors(f.form(), &error, &JsValue::UNDEFINED);
    bind_errors(f.form(), &error, &JsValue::UNDEFINED);
    assert_eq!(f.created(), 2);
    assert_eq!(
        f.control("title")
            .get_attribute("aria-describedby")
            .unwrap()
            .split_ascii_whitespace()
            .count(),
        2
    );

    let other = branded_error(r#"{"body": ["Still empty"]}"#);
    bind_errors(f.form(), &other, &JsValue::UNDEFINED);
    assert_eq!(f.created(), 1);
    assert_eq!(validation_message(&f.control("title")), "");
    assert_eq!(f.control("title").get_attribute("aria-invalid"), None);
    assert_eq!(described_by(&f.control("body")), ["Still empty"]);

    clear_errors(f.form());
    assert_eq!(f.html(), before);
}

#[wasm_bindgen_test]
fn focus_goes_to_the_first_invalid_control_in_document_order() {
    let f = Fixture::new(ISSUE_FORM);
    // Server order is not document order.
    let error =
        branded_error(r#"{"body": ["Empty"], "items.0.name": ["Bad"], "priority": ["Pick"]}"#);
    bind_errors(f.form(), &error, &JsValue::UNDEFINED);
    let active = active_element().unwrap();
    assert_eq!(active.get_attribute("name").as_deref(), Some("priority"));

    f.control("body").focus().unwrap();
    let options = js_sys::Object::new();
    Reflect::set(&options, &"focus".into(), &JsValue::FALSE).unwrap();
    bind_errors(f.form(), &error, &options);
    assert_eq!(
        active_element().unwrap().get_attribute("name").as_deref(),
        Some("body")
    );
}

#[wasm_bindgen_test]
fn a_disabled_first_control_is_skipped_for_focus() {
    let f =
        Fixture::new(r#"<form><input name="a" disabled><input name="b"><input name="c"></form>"#);
    bind_errors(
        f.form(),
        &branded_error(r#"{"c": ["x"], "a": ["y"], "b": ["z"]}"#),
        &JsValue::UNDEFINED,
    );
    assert_eq!(
        active_element().unwrap().get_attribute("name").as_deref(),
        Some("b")
    );
    assert_eq!(
        f.control("a").get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
}

#[wasm_bindgen_test]
fn unmatched_keys_are_returned_and_shown_in_the_summary() {
    let f = Fixture::new(
        r#"<form><div data-error-summary hidden class="summary"><p>old</p></div>
           <input name="title"></form>"#,
    );
    let before = f.html();
    let error = branded_error(
        r#"{"title": ["Required"], "owner": ["Unknown owner"], "items": ["Add an item", "At most 10"],
            "__proto__": ["Odd key"], "a..b": ["Garbage key"]}"#,
    );
    let unmatched = bind_errors(f.form(), &error, &JsValue::UNDEFINED);
    assert_eq!(strings(&unmatched), ["owner", "items", "__proto__", "a..b"]);
    let summary = f
        .form
        .query_selector("[data-error-summary]")
        .unwrap()
        .unwrap();
    assert_eq!(summary.get_attribute("role").as_deref(), Some("alert"));
    assert!(!summary.has_attribute("hidden"));
    let items = summary.query_selector_all("li").unwrap();
    let texts: Vec<String> = (0..items.length())
        .map(|i| items.item(i).unwrap().text_content().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Unknown owner",
            "Add an item",
            "At most 10",
            "Odd key",
            "Garbage key"
        ]
    );
    assert!(summary.query_selector("p").unwrap().is_none());

    // Editing a field leaves the summary until the next bind or clear.
    dispatch(&f.control("title"), "input");
    assert_eq!(summary.get_attribute("role").as_deref(), Some("alert"));

    clear_errors(f.form());
    assert_eq!(f.html(), before);
}

#[wasm_bindgen_test]
fn without_a_summary_unmatched_keys_are_only_returned() {
    let f = Fixture::new(r#"<form><input name="title"></form>"#);
    let before = f.html();
    let unmatched = bind_errors(
        f.form(),
        &branded_error(r#"{"owner": ["Unknown"]}"#),
        &JsValue::UNDEFINED,
    );
    assert_eq!(strings(&unmatched), ["owner"]);
    assert_eq!(f.html(), before);
}

#[wasm_bindgen_test]
fn editing_a_control_clears_only_its_field_and_children() {
    let f = Fixture::new(
        r#"<form>
             <input name="title">
             <input name="items[0]">
             <input name="items[0][name]">
             <input name="items[0][qty]">
             <input name="items[1][name]">
             <select name="kind"><option>a</option><option>b</option></select>
           </form>"#,
    );
    let before = f.html();
    let error = branded_error(
        r#"{"title": ["Required"], "items.0.name": ["Bad name"], "items.0.qty": ["Bad qty"],
            "items.1.name": ["Other"], "kind": ["Pick"]}"#,
    );
    bind_errors(f.form(), &error, &JsValue::UNDEFINED);

    dispatch(&f.control("title"), "input");
    assert_eq!(validation_message(&f.control("title")), "");
    assert_eq!(f.control("title").get_attribute("aria-invalid"), None);
    assert_eq!(f.control("title").get_attribute("aria-describedby"), None);
    assert_eq!(validation_message(&f.control("items[0][name]")), "Bad name");
    assert_eq!(f.created(), 4);

    // `items[0]` has no error of its own, but editing it clears its children.
    dispatch(&f.control("items[0]"), "input");
    assert_eq!(validation_message(&f.control("items[0][name]")), "");
    assert_eq!(validation_message(&f.control("items[0][qty]")), "");
    assert_eq!(validation_message(&f.control("items[1][name]")), "Other");
    assert_eq!(f.created(), 2);

    // A text field's `change` is not an edit signal; a select's is.
    dispatch(&f.control("items[1][name]"), "change");
    assert_eq!(validation_message(&f.control("items[1][name]")), "Other");
    dispatch(&f.control("kind"), "change");
    assert_eq!(validation_message(&f.control("kind")), "");
    dispatch(&f.control("items[1][name]"), "input");
    assert_eq!(f.created(), 0);
    assert_eq!(f.html(), before);
}

#[wasm_bindgen_test]
fn radio_groups_share_one_message_after_the_legend() {
    let f = Fixture::new(
        r#"<form>
             <fieldset><legend>Priority</legend>
               <input type="radio" id="p1" name="priority" value="low"><label for="p1">Low</label>
               <input type="radio" id="p2" name="priority" value="high"><label for="p2">High</label>
             </fieldset>
             <input type="checkbox" id="t1" name="tags[]" value="a"><label for="t1">A</label>
             <input type="checkbox" id="t2" name="tags[]" value="b"><label for="t2">B</label>
             <p>after</p>
           </form>"#,
    );
    let before = f.html();
    bind_errors(
        f.form(),
        &branded_error(r#"{"priority": ["Choose a priority"], "tags": ["Pick a tag"]}"#),
        &JsValue::UNDEFINED,
    );
    let radios = f.controls("priority");
    assert_eq!(radios.len(), 2);
    let ids: Vec<_> = radios
        .iter()
        .map(|r| r.get_attribute("aria-describedby").unwrap())
        .collect();
    assert_eq!(ids[0], ids[1]);
    for radio in &radios {
        assert_eq!(radio.get_attribute("aria-invalid").as_deref(), Some("true"));
        assert_eq!(validation_message(radio), "Choose a priority");
    }
    let legend = f.form.query_selector("legend").unwrap().unwrap();
    let message = legend.next_element_sibling().unwrap();
    assert_eq!(message.id(), ids[0]);
    assert_eq!(message.text_content().unwrap(), "Choose a priority");
    assert_eq!(
        active_element().unwrap().id(),
        "p1",
        "the first radio of the group has the focus"
    );

    // No fieldset: after the last checkbox's label.
    let boxes = f.controls("tags[]");
    assert_eq!(boxes.len(), 2);
    for b in &boxes {
        assert_eq!(described_by(b), ["Pick a tag"]);
    }
    let last_label = f.form.query_selector("label[for=t2]").unwrap().unwrap();
    assert_eq!(
        last_label
            .next_element_sibling()
            .unwrap()
            .text_content()
            .unwrap(),
        "Pick a tag"
    );

    // Choosing another radio clears the group, not the checkboxes.
    dispatch(&radios[1], "change");
    for radio in &radios {
        assert_eq!(radio.get_attribute("aria-invalid"), None);
        assert_eq!(validation_message(radio), "");
    }
    assert_eq!(validation_message(&boxes[0]), "Pick a tag");
    dispatch(&boxes[0], "change");
    assert_eq!(f.html(), before);
}

#[wasm_bindgen_test]
fn an_existing_data_error_for_element_is_reused_and_restored() {
    let f = Fixture::new(
        r#"<form>
             <input name="title" aria-describedby="title-error">
             <p id="title-error" data-error-for="title" hidden class="err"><i>icon</i> old</p>
             <input name="items[0][name]">
             <span data-error-for="items[0][name]"></span>
           </form>"#,
    );
    let before = f.html();
    bind_errors(
        f.form(),
        &branded_error(r#"{"title": ["Required"], "items.0.name": ["Too long"]}"#),
        &JsValue::UNDEFINED,
    );
    assert_eq!(f.created(), 0);
    let p = f.form.query_selector("#title-error").unwrap().unwrap();
    assert_eq!(p.text_content().unwrap(), "Required");
    assert!(!p.has_attribute("hidden"));
    // Already linked: not linked twice.
    assert_eq!(
        f.control("title")
            .get_attribute("aria-describedby")
            .as_deref(),
        Some("title-error")
    );
    let item = f.control("items[0][name]");
    assert_eq!(described_by(&item), ["Too long"]);

    clear_errors(f.form());
    assert_eq!(f.html(), before);
    // The original children are the same nodes.
    assert!(p.query_selector("i").unwrap().is_some());
}

#[wasm_bindgen_test]
fn messages_are_text_never_html() {
    let f = Fixture::new(r#"<form><div data-error-summary></div><input name="title"></form>"#);
    let evil = r#"<img src=x onerror="window.__pwned=true">"#;
    let json = format!(r#"{{"title": [{evil:?}], "other": [{evil:?}]}}"#,);
    let unmatched = bind_errors(f.form(), &branded_error(&json), &JsValue::UNDEFINED);
    assert_eq!(strings(&unmatched), ["other"]);
    assert!(f.form.query_selector("img").unwrap().is_none());
    assert_eq!(described_by(&f.control("title")), [evil]);
    let li = f
        .form
        .query_selector("[data-error-summary] li")
        .unwrap()
        .unwrap();
    assert_eq!(li.text_content().unwrap(), evil);
    assert!(!pwned());
}

#[wasm_bindgen_test]
fn anything_but_a_validation_error_on_a_form_is_ignored() {
    let f = Fixture::new(ISSUE_FORM);
    let before = f.html();
    let fields = r#"{"title": ["Required"]}"#;
    let good = branded_error(fields);

    let plain = js_sys::Error::new("x");
    Reflect::set(&plain, &"name".into(), &"ValidationError".into()).unwrap();
    Reflect::set(&plain, &"kind".into(), &"validation".into()).unwrap();
    Reflect::set(
        &plain,
        &"fieldErrors".into(),
        &js_sys::JSON::parse(fields).unwrap(),
    )
    .unwrap();
    let wrong_kind = branded_error(fields);
    Reflect::set(&wrong_kind, &"kind".into(), &"conflict".into()).unwrap();
    let wrong_name = branded_error(fields);
    Reflect::set(&wrong_name, &"name".into(), &"ConflictError".into()).unwrap();
    let no_fields = branded_error(fields);
    Reflect::set(&no_fields, &"fieldErrors".into(), &JsValue::NULL).unwrap();
    let plain_object = with_brand(&js_sys::JSON::parse(
        r#"{"name": "ValidationError", "kind": "validation", "fieldErrors": {"title": ["Required"]}}"#,
    ).unwrap());

    let dom_exception = dom_exception("x", "AbortError");
    for error in [
        plain.into(),
        wrong_kind,
        wrong_name,
        no_fields,
        JsValue::NULL,
        JsValue::UNDEFINED,
        JsValue::from_str("ValidationError"),
        JsValue::from_f64(422.0),
        dom_exception,
        throwing_error(),
        proxy_error(),
    ] {
        let unmatched = bind_errors(f.form(), &error, &JsValue::UNDEFINED);
        assert_eq!(unmatched.length(), 0);
        assert_eq!(f.html(), before);
        assert_eq!(field_messages(&error).unchecked_into::<Array>().length(), 0);
    }
    // A plain object with the brand, name and kind is accepted (another
    // realm's or copy's error looks just like that).
    bind_errors(f.form(), &plain_object, &JsValue::UNDEFINED);
    assert_eq!(validation_message(&f.control("title")), "Required");
    clear_errors(f.form());

    // Not a form: nothing happens.
    let div = document().create_element("div").unwrap();
    div.set_inner_html(r#"<input name="title">"#);
    for target in [
        div.clone().into(),
        JsValue::NULL,
        JsValue::from_str("form"),
        throwing_error(),
    ] {
        assert_eq!(bind_errors(&target, &good, &JsValue::UNDEFINED).length(), 0);
        clear_errors(&target);
    }
    assert_eq!(div.inner_html(), r#"<input name="title">"#);
    // Options of the wrong shape are ignored.
    bind_errors(f.form(), &good, &JsValue::from_str("nonsense"));
    bind_errors(f.form(), &good, &throwing_error());
    assert_eq!(validation_message(&f.control("title")), "Required");
}

#[wasm_bindgen_test]
fn hostile_field_maps_do_not_break_anything() {
    let f = Fixture::new(
        r#"<form><input name="__proto__"><input name="mixed"><input name="s"><input name="n"></form>"#,
    );
    let before = f.html();
    let unmatched = bind_errors(f.form(), &hostile_error(), &JsValue::UNDEFINED);
    // `__proto__` never matches a control, even one of that name.
    assert_eq!(strings(&unmatched), ["__proto__"]);
    assert_eq!(validation_message(&f.control("__proto__")), "");
    assert_eq!(validation_message(&f.control("mixed")), "kept");
    assert_eq!(validation_message(&f.control("s")), "single");
    // A number is not a message list.
    assert_eq!(validation_message(&f.control("n")), "");
    clear_errors(f.form());
    assert_eq!(f.html(), before);

    let pairs: Array = field_messages(&hostile_error()).unchecked_into();
    let pairs: Vec<Vec<String>> = pairs.iter().map(|p| strings(&p.unchecked_into())).collect();
    assert_eq!(pairs, [vec!["mixed", "kept"], vec!["s", "single"]]);
}

#[wasm_bindgen_test]
fn controls_that_shadow_form_properties_do_not_confuse_it() {
    let f = Fixture::new(
        r#"<form>
             <input name="elements"><input name="querySelectorAll"><input name="nodeName">
             <input name="addEventListener"><input name="insertBefore"><input name="contains">
             <div data-error-summary></div>
           </form>"#,
    );
    let before = f.html();
    let unmatched = bind_errors(
        f.form(),
        &branded_error(
            r#"{"elements": ["e"], "nodeName": ["n"], "addEventListener": ["a"], "x": ["x"]}"#,
        ),
        &JsValue::UNDEFINED,
    );
    assert_eq!(strings(&unmatched), ["x"]);
    assert_eq!(validation_message(&f.control("elements")), "e");
    assert_eq!(validation_message(&f.control("nodeName")), "n");
    dispatch(&f.control("elements"), "input");
    assert_eq!(validation_message(&f.control("elements")), "");
    assert_eq!(validation_message(&f.control("nodeName")), "n");
    clear_errors(f.form());
    assert_eq!(f.html(), before);
}

#[wasm_bindgen_test]
fn hidden_inputs_are_not_error_targets() {
    let f = Fixture::new(r#"<form><input type="hidden" name="id"><input name="title"></form>"#);
    let unmatched = bind_errors(
        f.form(),
        &branded_error(r#"{"id": ["Stale"], "title": ["Required"]}"#),
        &JsValue::UNDEFINED,
    );
    assert_eq!(strings(&unmatched), ["id"]);
    assert_eq!(f.control("id").get_attribute("aria-invalid"), None);
}

#[wasm_bindgen_test]
fn the_formatter_and_class_options_are_used() {
    let f = Fixture::new(ISSUE_FORM);
    let calls = Array::new();
    let options = js_sys::Object::new();
    Reflect::set(&options, &"formatMessage".into(), &record_format(&calls)).unwrap();
    Reflect::set(&options, &"invalidClass".into(), &"bad".into()).unwrap();
    bind_errors(
        f.form(),
        &branded_error(r#"{"title": ["Required", "Too short"]}"#),
        &options,
    );
    let title = f.control("title");
    assert_eq!(validation_message(&title), "title: Required / Too short");
    assert_eq!(described_by(&title)[1], "title: Required / Too short");
    assert_eq!(calls.length(), 1);
    assert!(title.class_list().contains("bad"));

    // A formatter that throws or returns a non-string falls back to the
    // plain messages.
    let bad = js_sys::Function::new_no_args("throw new Error('nope')");
    Reflect::set(&options, &"formatMessage".into(), &bad).unwrap();
    bind_errors(
        f.form(),
        &branded_error(r#"{"title": ["Required"]}"#),
        &options,
    );
    assert_eq!(validation_message(&title), "Required");
    let bad = js_sys::Function::new_no_args("return 42");
    Reflect::set(&options, &"formatMessage".into(), &bad).unwrap();
    bind_errors(
        f.form(),
        &branded_error(r#"{"title": ["Required"]}"#),
        &options,
    );
    assert_eq!(validation_message(&title), "Required");
}

#[wasm_bindgen_test]
fn the_packages_own_validation_error_is_accepted() {
    let f = Fixture::new(ISSUE_FORM);
    let extra = js_sys::Object::new();
    Reflect::set(
        &extra,
        &"fieldErrors".into(),
        &js_sys::JSON::parse(r#"{"title": ["Required"], "items.0.name": ["Bad"]}"#).unwrap(),
    )
    .unwrap();
    let error = make_error(
        "validation",
        422,
        "Validation failed",
        "POST",
        "/issues",
        1,
        &extra,
    );
    assert_eq!(
        Reflect::get(&error, &"name".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("ValidationError")
    );
    let unmatched = bind_errors(f.form(), &error, &JsValue::UNDEFINED);
    assert_eq!(unmatched.length(), 0);
    assert_eq!(validation_message(&f.control("title")), "Required");

    let pairs: Array = field_messages(&error).unchecked_into();
    let pairs: Vec<Vec<String>> = pairs.iter().map(|p| strings(&p.unchecked_into())).collect();
    assert_eq!(
        pairs,
        [vec!["title", "Required"], vec!["items.0.name", "Bad"]]
    );

    // Other classes are ignored.
    let conflict = make_error(
        "conflict",
        409,
        "Conflict",
        "POST",
        "/issues",
        1,
        &js_sys::Object::new(),
    );
    assert_eq!(
        field_messages(&conflict).unchecked_into::<Array>().length(),
        0
    );
}

#[wasm_bindgen_test]
fn a_form_from_another_realm_works() {
    let doc = iframe_document();
    let f = Fixture::in_document(&doc, ISSUE_FORM);
    let before = f.html();
    let unmatched = bind_errors(
        f.form(),
        &branded_error(r#"{"title": ["Required"], "nope": ["x"]}"#),
        &JsValue::UNDEFINED,
    );
    assert_eq!(strings(&unmatched), ["nope"]);
    let title = f.control("title");
    assert_eq!(validation_message(&title), "Required");
    assert_eq!(described_by(&title), ["Short and clear", "Required"]);
    dispatch(&title, "input");
    assert_eq!(validation_message(&title), "");
    assert_eq!(f.html(), before);
}

#[wasm_bindgen_test]
fn controls_associated_by_the_form_attribute_are_matched_and_cleared() {
    let f = Fixture::new(r#"<form id="outside-form"><input name="title"></form>"#);
    let outside = document().create_element("input").unwrap();
    outside.set_attribute("name", "note").unwrap();
    outside.set_attribute("form", "outside-form").unwrap();
    f.container.append_child(&outside).unwrap();
    bind_errors(
        f.form(),
        &branded_error(r#"{"note": ["Too long"], "title": ["Required"]}"#),
        &JsValue::UNDEFINED,
    );
    assert_eq!(validation_message(&outside), "Too long");
    dispatch(&outside, "input");
    assert_eq!(validation_message(&outside), "");
    assert_eq!(validation_message(&f.control("title")), "Required");
}

#[wasm_bindgen_test]
fn field_messages_pairs_first_messages() {
    let error = branded_error(
        r#"{"title": ["Required", "Short"], "items.0.name": ["Bad"], "constructor": ["x"], "empty": []}"#,
    );
    let pairs: Array = field_messages(&error).unchecked_into();
    let pairs: Vec<Vec<String>> = pairs.iter().map(|p| strings(&p.unchecked_into())).collect();
    assert_eq!(
        pairs,
        [vec!["title", "Required"], vec!["items.0.name", "Bad"]]
    );
}
