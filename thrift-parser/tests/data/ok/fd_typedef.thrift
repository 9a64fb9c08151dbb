/** A file that defines its own `fd`: every unqualified `fd` in it means this typedef. */
namespace rs shadow

typedef i32 fd

struct Plain {
  1: fd number
  2: list<fd> numbers
  3: map<fd, fd> by_number
  4: fd with_default = 7
}

const fd SEVEN = 7
