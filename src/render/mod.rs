//! Everything the user sees on the terminal: live view, plain progress lines, tables, reports.
