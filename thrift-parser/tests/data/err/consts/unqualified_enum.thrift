enum Level { LOW, HIGH }
const Level BARE = LOW
