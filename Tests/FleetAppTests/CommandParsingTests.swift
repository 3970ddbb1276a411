import Testing
@testable import FleetApp
