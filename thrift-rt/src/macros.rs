//! Macros the crate uses to write one shape of code once.

/// `get_ref`, `get_mut` and `into_inner` for a type that wraps one inner value: every
/// protocol reader and writer, and the transports' readers and writers.
macro_rules! accessors {
    ($what:literal, $field:ident: $inner:ty) => {
        #[doc = concat!("The underlying ", $what, ".")]
        pub fn get_ref(&self) -> &$inner {
            &self.$field
        }

        #[doc = concat!(
            "The underlying ", $what, ", mutably. Using it directly can break the framing or ",
            "the order of what this one buffers."
        )]
        pub fn get_mut(&mut self) -> &mut $inner {
            &mut self.$field
        }

        #[doc = concat!("Unwraps the underlying ", $what, ", dropping what is buffered here.")]
        pub fn into_inner(self) -> $inner {
            self.$field
        }
    };
}
