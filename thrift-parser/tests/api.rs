//! The public API around loading: in-memory sources, include search order, and how a failed
//! load prints when a build script unwraps it.

#[test]
fn unwrapping_a_failed_load_prints_rendered_diagnostics() {
    let result = thrift_parser::load_str(
        "svc.thrift",
        "struct User {\n  1: string name\n  1: i32 id\n}\n",
    )
    .into_result();
    let error = result.unwrap_err();
    let debug = format!("{error:?}");
    assert!(
        debug.contains("svc.thrift:3:3: error: field id 1 is used twice in struct `User`"),
        "{debug}"
    );
    assert!(debug.contains("3 |   1: i32 id"), "{debug}");
    assert_eq!(error.diagnostics.error_count(), 1);
}

#[test]
fn includes_are_searched_in_the_own_folder_first_then_the_include_dirs_in_order() {
    let mut loader = thrift_parser::Loader::new();
    loader
        .include_dir("first")
        .include_dir("second")
        .add_source(
            "app/main.thrift",
            "include \"dep.thrift\"\nstruct M { 1: dep.D d }",
        )
        .add_source("first/dep.thrift", "struct D { 1: i32 from_first }")
        .add_source("second/dep.thrift", "struct D { 1: i32 from_second }");
    let program = loader.load(&["app/main.thrift"]).into_result().unwrap();
    let dump = program.dump();
    assert!(
        dump.contains("from_first") && !dump.contains("from_second"),
        "{dump}"
    );

    loader.add_source("app/dep.thrift", "struct D { 1: i32 from_own_folder }");
    let program = loader.load(&["app/main.thrift"]).into_result().unwrap();
    assert!(program.dump().contains("from_own_folder"));
}

#[test]
fn a_file_included_twice_is_parsed_once() {
    let mut loader = thrift_parser::Loader::new();
    loader
        .add_source(
            "a.thrift",
            "include \"c.thrift\"\ninclude \"b.thrift\"\nstruct A { 1: c.C c, 2: b.B b }",
        )
        .add_source("b.thrift", "include \"c.thrift\"\nstruct B { 1: c.C c }")
        .add_source("c.thrift", "struct C {}");
    let program = loader.load(&["a.thrift"]).into_result().unwrap();
    assert_eq!(program.files.len(), 3);
    assert_eq!(program.defs.len(), 3);
}

#[test]
fn names_of_included_files_are_only_visible_through_direct_includes() {
    let mut loader = thrift_parser::Loader::new();
    loader
        .add_source("a.thrift", "include \"b.thrift\"\nstruct A { 1: c.C c }")
        .add_source("b.thrift", "include \"c.thrift\"\nstruct B {}")
        .add_source("c.thrift", "struct C {}");
    let loaded = loader.load(&["a.thrift"]);
    let rendered = loaded.render_diagnostics();
    assert!(
        rendered.contains("a.thrift:2:15: error: unknown type `c.C`"),
        "{rendered}"
    );
    assert!(
        rendered.contains("this file includes no file named `c` (it includes: b)"),
        "{rendered}"
    );
}

#[test]
fn channels_are_parsed_and_default_to_zero() {
    let program = thrift_parser::load_str(
        "svc.thrift",
        "service Base {}\nservice Echo channel 3 extends Base { string echo(1: string s) }\nservice Plain {}",
    )
    .into_result()
    .unwrap();
    let channels: Vec<u8> = program
        .defs
        .iter()
        .filter_map(|def| match &def.kind {
            thrift_parser::ir::DefKind::Service(service) => Some(service.channel),
            _ => None,
        })
        .collect();
    assert_eq!(channels, vec![0, 3, 0]);
}

#[test]
fn a_missing_root_file_is_an_error_without_a_place() {
    let loaded = thrift_parser::Loader::new().load(&["/definitely/not/here.thrift"]);
    assert!(loaded.diagnostics.has_errors());
    let rendered = loaded.render_diagnostics();
    assert!(
        rendered.starts_with("error: cannot read `/definitely/not/here.thrift`"),
        "{rendered}"
    );
}

#[test]
fn two_included_files_with_one_name_get_a_warning() {
    let mut loader = thrift_parser::Loader::new();
    loader
        .add_source("a/common.thrift", "struct P { 1: i32 x }")
        .add_source("b/common.thrift", "struct Q { 1: i32 y }")
        .add_source(
            "main.thrift",
            "include \"a/common.thrift\"\ninclude \"b/common.thrift\"\nstruct M { 1: common.P p }\n",
        );
    let loaded = loader.load(&["main.thrift"]);
    let text = loaded.render_diagnostics();
    assert!(!loaded.diagnostics.has_errors(), "{text}");
    assert!(
        text.contains("main.thrift:2:9: warning: `a/common.thrift` and `b/common.thrift` are both included as `common`"),
        "{text}"
    );
}

/// The types of the fields of struct `name`, through typedefs.
fn field_types(program: &thrift_parser::Program, name: &str) -> Vec<thrift_parser::ir::Type> {
    let def = program.defs.iter().find(|d| d.name == name).unwrap();
    let thrift_parser::ir::DefKind::Struct(strukt) = &def.kind else {
        panic!("{name} is not a struct")
    };
    strukt
        .fields
        .iter()
        .map(|f| program.true_type(&f.ty).clone())
        .collect()
}

#[test]
fn fd_is_the_built_in_unless_the_file_defines_its_own() {
    use thrift_parser::ir::{BaseType, Type};
    let mut loader = thrift_parser::Loader::new();
    loader
        .add_source(
            "shadow.thrift",
            "namespace rs shadow\ntypedef i32 fd\nstruct Own { 1: fd x, 2: list<fd> xs }",
        )
        .add_source(
            "main.thrift",
            "include \"shadow.thrift\"\n\
             struct Uses { 1: fd fd, 2: shadow.fd number, 3: set<fd> fds }\n\
             service Svc { fd fd(1: fd fd) }",
        );
    let program = loader.load(&["main.thrift"]).into_result().unwrap();
    let fd = Type::Base(BaseType::Fd);
    let i32 = Type::Base(BaseType::I32);
    let own = field_types(&program, "Own");
    assert_eq!(own[0], i32);
    let Type::List(elem) = &own[1] else {
        panic!("{:?} is not a list", own[1])
    };
    assert_eq!(program.true_type(elem), &i32);
    assert_eq!(
        field_types(&program, "Uses"),
        vec![fd.clone(), i32, Type::Set(Box::new(fd.clone()))]
    );
    let svc = program.defs.iter().find(|d| d.name == "Svc").unwrap();
    let thrift_parser::ir::DefKind::Service(service) = &svc.kind else {
        panic!("Svc is a service")
    };
    let function = &service.functions[0];
    assert_eq!(function.name, "fd");
    assert_eq!(function.returns, Some(fd.clone()));
    assert_eq!(
        (function.params[0].name.as_str(), &function.params[0].ty),
        ("fd", &fd)
    );
    assert_eq!(BaseType::Fd.as_str(), "fd");
}

#[test]
fn fd_where_it_cannot_go_is_an_error_with_its_place() {
    let loaded = thrift_parser::load_str(
        "bad.thrift",
        "struct S {\n  1: map<fd, i32> by_fd\n}\nconst fd F = 1\n",
    );
    let text = loaded.render_diagnostics();
    assert_eq!(loaded.diagnostics.error_count(), 2, "{text}");
    assert!(
        text.contains("bad.thrift:2:10: error: `fd` cannot be a map key\n"),
        "{text}"
    );
    assert!(text.contains("2 |   1: map<fd, i32> by_fd"), "{text}");
    assert!(
        text.contains("bad.thrift:4:7: error: constant `F` cannot be of type `fd`\n"),
        "{text}"
    );
}
