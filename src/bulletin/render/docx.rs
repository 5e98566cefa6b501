//! The bulletin as a Word document (being written).
