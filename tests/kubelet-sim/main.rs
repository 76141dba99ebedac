fn main() { eprintln!("placeholder"); }
