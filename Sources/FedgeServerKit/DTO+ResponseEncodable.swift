import FedgeAPIModels
import Hummingbird

// The API's DTOs are the bodies of Hummingbird responses (encoded with the context's `API.makeEncoder()`).
extension Page: ResponseEncodable {}
extension HealthDTO: ResponseEncodable {}
extension CombinerDTO: ResponseEncodable {}
extension ClientDTO: ResponseEncodable {}
extension SessionDTO: ResponseEncodable {}
extension RoundDTO: ResponseEncodable {}
extension ModelDTO: ResponseEncodable {}
extension LineageDTO: ResponseEncodable {}
extension TrailCheckDTO: ResponseEncodable {}
extension AuditCheckDTO: ResponseEncodable {}
extension ValidationDTO: ResponseEncodable {}
extension MetricDTO: ResponseEncodable {}
extension EventDTO: ResponseEncodable {}
extension PackageDTO: ResponseEncodable {}
extension CombinerStatusDTO: ResponseEncodable {}
extension CombinerRoundDTO: ResponseEncodable {}
extension TokenDTO: ResponseEncodable {}
extension CreatedTokenDTO: ResponseEncodable {}
extension EnrollmentDTO: ResponseEncodable {}
