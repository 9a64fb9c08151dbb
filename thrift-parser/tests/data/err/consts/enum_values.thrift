enum Color { RED = 1 }
enum Size { BIG = 1 }
const Color WRONG_NAME = Color.PURPLE
const Color WRONG_NUMBER = 7
const Color OTHER_ENUM = Size.BIG
