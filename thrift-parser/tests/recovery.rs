//! Errors without echoes: after a syntax error or a missing include, only what is really wrong
//! is reported. Recovery keeps the definition, field or enum value whose name was read, so its
//! later uses are not reported as unknown; names qualified by an include that could not be
//! loaded are not reported again.

/// Loads `files` (the first is the root) and returns the error count and rendered output.
fn errors(files: &[(&str, &str)]) -> (usize, String) {
    let (count, rendered, _) = load(files);
    (count, rendered)
}

/// [`errors`], and the names of the definitions that were kept.
fn load(files: &[(&str, &str)]) -> (usize, String, Vec<String>) {
    let mut loader = thrift_parser::Loader::new();
    for &(path, text) in files {
        loader.add_source(path, text);
    }
    let loaded = loader.load(&[files[0].0]);
    let names = loaded.program.defs.iter().map(|d| d.name.clone()).collect();
    (
        loaded.diagnostics.error_count(),
        loaded.render_diagnostics(),
        names,
    )
}

#[test]
fn a_syntax_error_in_a_field_default_is_reported_once() {
    let (count, rendered) = errors(&[(
        "item.thrift",
        "struct Item {\n  1: string name\n  3: i32 count = ,\n  4: i32 after\n}\n\n\
         struct Uses {\n  1: Item item\n}\n\n\
         const Item SAMPLE = {\"name\": \"a\", \"count\": 1, \"after\": 2}\n",
    )]);
    assert_eq!(count, 1, "{rendered}");
    assert!(
        rendered.contains("item.thrift:3:18: error: expected a constant value"),
        "{rendered}"
    );
}

#[test]
fn a_syntax_error_in_an_enum_value_is_reported_once() {
    let (count, rendered) = errors(&[(
        "color.thrift",
        "enum Color {\n  RED = ,\n  GREEN\n}\nconst Color FAVOURITE = Color.RED\n",
    )]);
    assert_eq!(count, 1, "{rendered}");
}

#[test]
fn an_unclosed_body_keeps_its_definition_and_the_next_one() {
    let (count, rendered) = errors(&[(
        "open.thrift",
        "struct Open {\n  1: i32 a\n\nstruct Next {\n  1: i32 b\n}\n\
         struct User {\n  1: Open open\n  2: Next next\n}\n\
         const Open ORIGIN = {\"a\": 1}\n",
    )]);
    assert_eq!(count, 1, "{rendered}");
    assert!(
        rendered.contains("open.thrift:4:1: error: expected `}` to close the body"),
        "{rendered}"
    );
}

#[test]
fn an_unclosed_service_keeps_its_name_and_the_next_service() {
    let (count, rendered, names) = load(&[(
        "svc.thrift",
        "service Base {\n  void ping()\n\nservice Child extends Base {\n  void pong()\n}\n",
    )]);
    assert_eq!(count, 1, "{rendered}");
    assert_eq!(names, ["Base", "Child"]);
}

#[test]
fn a_missing_include_is_reported_once() {
    let (count, rendered) = errors(&[(
        "app.thrift",
        "include \"missing.thrift\"\n\
         struct A {\n  1: missing.Thing thing\n  2: list<missing.Thing> things\n}\n\
         typedef missing.Thing Alias\n\
         const missing.Color COLOR = missing.Color.RED\n\
         const i32 LIMIT = missing.LIMIT\n\
         service S extends missing.Base {\n  missing.Thing get(1: missing.Key key) throws (1: missing.Oops oops)\n}\n",
    )]);
    assert_eq!(count, 1, "{rendered}");
    assert!(
        rendered.contains("app.thrift:1:9: error: included file `missing.thrift` not found"),
        "{rendered}"
    );
}

#[test]
fn names_of_other_files_are_still_checked_beside_a_missing_include() {
    let (count, rendered) = errors(&[
        (
            "app.thrift",
            "include \"missing.thrift\"\ninclude \"there.thrift\"\n\
             struct A {\n  1: missing.Thing a\n  2: there.Gone b\n  3: elsewhere.Thing c\n}\n",
        ),
        ("there.thrift", "struct Here {}\n"),
    ]);
    assert_eq!(count, 3, "{rendered}");
    assert!(rendered.contains("unknown type `there.Gone`"), "{rendered}");
    assert!(
        rendered.contains("unknown type `elsewhere.Thing`"),
        "{rendered}"
    );
}
