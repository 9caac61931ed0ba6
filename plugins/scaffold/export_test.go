package scaffold

// WriteFiles writes files under root, replacing what is there (for -update).
var WriteFiles = writeFiles
