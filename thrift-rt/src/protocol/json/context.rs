//! The JSON nesting context shared by reader and writer: which separator comes next and
//! whether numbers are quoted.

/// Where we are in the JSON structure: decides separators and whether numbers are quoted.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ctx {
    /// Array elements: `,` before all but the first.
    List { first: bool },
    /// Object members: alternately key and value; keys are quoted.
    Pair { first: bool, colon: bool },
}

impl Ctx {
    /// An object just opened.
    pub(super) const OBJECT: Ctx = Ctx::Pair {
        first: true,
        colon: true,
    };
    /// An array just opened.
    pub(super) const ARRAY: Ctx = Ctx::List { first: true };
}

#[derive(Debug, Default)]
pub(super) struct CtxStack(pub(super) Vec<Ctx>);

impl CtxStack {
    /// The separator to emit (or expect) before the next token, updating the state.
    #[inline]
    pub(super) fn next_separator(&mut self) -> Option<u8> {
        match self.0.last_mut() {
            None => None,
            Some(Ctx::List { first }) => {
                if *first {
                    *first = false;
                    None
                } else {
                    Some(b',')
                }
            }
            Some(Ctx::Pair { first, colon }) => {
                if *first {
                    *first = false;
                    *colon = true;
                    None
                } else {
                    let sep = if *colon { b':' } else { b',' };
                    *colon = !*colon;
                    Some(sep)
                }
            }
        }
    }

    /// Whether numbers must be quoted here (object keys).
    #[inline]
    pub(super) fn escape_num(&self) -> bool {
        matches!(self.0.last(), Some(Ctx::Pair { colon: true, .. }))
    }
}
