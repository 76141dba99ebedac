//! Loading manifests: reading files, directories and stdin, splitting documents, validating and
//! ordering them while keeping each document's file and line. No cluster access.
