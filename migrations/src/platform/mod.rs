pub mod m0001_foundation;
pub mod m0002_staff_second_factor;
pub mod m0003_staff_proconnect;
pub mod m0004_staff_lifecycle;
pub mod m0005_statistics_shared;
pub mod m0006_schedule_ticks;
