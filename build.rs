fn main() {
    // Embedded migrations: rebuild when a migration is added or edited.
    println!("cargo:rerun-if-changed=migrations");
}
