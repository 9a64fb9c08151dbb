/** Types shared by the other files of this folder. */
namespace rs shared
namespace * shared.all

enum Color {
  RED = 1,
  GREEN,
  BLUE = 0x10
}

typedef i64 Id
typedef Id UserId (note = "a typedef of a typedef")

struct Point { 1: double x; 2: double y }

service Base {
  void ping()
}
