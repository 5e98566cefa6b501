//! Delivery to group robots (being written).
