pub mod m0001_foundation;
