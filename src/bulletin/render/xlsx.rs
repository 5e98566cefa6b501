//! The bulletin as an Excel workbook (being written).
