import VoiceCore
/// One entry of `session.tools` (reference §2, Tools).
public enum Tool: Sendable, Hashable, Codable {
    /// A client-side function. Encoded flat (`{"type":"function","name":…}`), the form the guide, pipecat and
    /// LiveKit use and that works in practice; the schema's nested `{"type":"function","function":{…}}`
    /// also decodes.
    case function(FunctionTool)
    case webSearch(WebSearchTool)
    case xSearch(XSearchTool)
    case fileSearch(FileSearchTool)
    case mcp(MCPTool)
    /// A tool type this client does not model, kept as it came.
    case other(JSONValue)

    /// The tool's `type` on the wire.
    public var typeName: String {
        switch self {
        case .function: "function"
        case .webSearch: "web_search"
        case .xSearch: "x_search"
        case .fileSearch: "file_search"
        case .mcp: "mcp"
        case .other(let value): value.objectValue?["type"]?.stringValue ?? ""
        }
    }

    private enum CodingKeys: String, CodingKey { case type, function }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decodeIfPresent(String.self, forKey: .type) {
        case "function":
            if container.contains(.function) {
                self = .function(try FunctionTool(from: container.superDecoder(forKey: .function)))
            } else {
                self = .function(try FunctionTool(from: decoder))
            }
        case "web_search": self = .webSearch(try WebSearchTool(from: decoder))
        case "x_search": self = .xSearch(try XSearchTool(from: decoder))
        case "file_search": self = .fileSearch(try FileSearchTool(from: decoder))
        case "mcp": self = .mcp(try MCPTool(from: decoder))
        default: self = .other(try JSONValue(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if case .other(let value) = self {
            try value.encode(to: encoder)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(typeName, forKey: .type)
        switch self {
        case .function(let tool): try tool.encode(to: encoder)
        case .webSearch(let tool): try tool.encode(to: encoder)
        case .xSearch(let tool): try tool.encode(to: encoder)
        case .fileSearch(let tool): try tool.encode(to: encoder)
        case .mcp(let tool): try tool.encode(to: encoder)
        case .other: break
        }
    }
}

/// A function the client runs when the model calls it.
public struct FunctionTool: Sendable, Hashable, Codable {
    public var name: String
    public var description: String?
    /// A JSON Schema object.
    public var parameters: JSONValue?
    public init(name: String, description: String? = nil, parameters: JSONValue? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// The built-in web search (run by xAI).
public struct WebSearchTool: Sendable, Hashable, Codable {
    /// At most 5; exclusive with `excludedDomains`.
    public var allowedDomains: [String]?
    public var excludedDomains: [String]?
    public var enableImageUnderstanding: Bool?
    public var location: Location?
    public init(
        allowedDomains: [String]? = nil,
        excludedDomains: [String]? = nil,
        enableImageUnderstanding: Bool? = nil,
        location: Location? = nil
    ) {
        self.allowedDomains = allowedDomains
        self.excludedDomains = excludedDomains
        self.enableImageUnderstanding = enableImageUnderstanding
        self.location = location
    }

    /// The user's approximate location, for local results.
    public struct Location: Sendable, Hashable, Codable {
        public var country: String?
        public var city: String?
        public var region: String?
        public var timezone: String?
        public init(country: String? = nil, city: String? = nil, region: String? = nil, timezone: String? = nil) {
            self.country = country
            self.city = city
            self.region = region
            self.timezone = timezone
        }
    }

    enum CodingKeys: String, CodingKey {
        case allowedDomains = "allowed_domains"
        case excludedDomains = "excluded_domains"
        case enableImageUnderstanding = "enable_image_understanding"
        case location
    }
}

/// The built-in X search (run by xAI).
public struct XSearchTool: Sendable, Hashable, Codable {
    /// At most 20; exclusive with `excludedXHandles`.
    public var allowedXHandles: [String]?
    public var excludedXHandles: [String]?
    /// `YYYY-MM-DD`.
    public var fromDate: String?
    public var toDate: String?
    public var enableImageUnderstanding: Bool?
    public var enableVideoUnderstanding: Bool?
    public init(
        allowedXHandles: [String]? = nil,
        excludedXHandles: [String]? = nil,
        fromDate: String? = nil,
        toDate: String? = nil,
        enableImageUnderstanding: Bool? = nil,
        enableVideoUnderstanding: Bool? = nil
    ) {
        self.allowedXHandles = allowedXHandles
        self.excludedXHandles = excludedXHandles
        self.fromDate = fromDate
        self.toDate = toDate
        self.enableImageUnderstanding = enableImageUnderstanding
        self.enableVideoUnderstanding = enableVideoUnderstanding
    }

    enum CodingKeys: String, CodingKey {
        case allowedXHandles = "allowed_x_handles"
        case excludedXHandles = "excluded_x_handles"
        case fromDate = "from_date"
        case toDate = "to_date"
        case enableImageUnderstanding = "enable_image_understanding"
        case enableVideoUnderstanding = "enable_video_understanding"
    }
}

/// The built-in search over the team's vector stores (run by xAI).
public struct FileSearchTool: Sendable, Hashable, Codable {
    public var vectorStoreIDs: [String]
    public var maxNumberOfResults: Int?
    public init(vectorStoreIDs: [String], maxNumberOfResults: Int? = nil) {
        self.vectorStoreIDs = vectorStoreIDs
        self.maxNumberOfResults = maxNumberOfResults
    }

    enum CodingKeys: String, CodingKey {
        case vectorStoreIDs = "vector_store_ids"
        case maxNumberOfResults = "max_num_results"
    }
}

/// A remote MCP server the service calls on the model's behalf.
public struct MCPTool: Sendable, Hashable, Codable {
    public var serverURL: String
    public var serverLabel: String?
    public var serverDescription: String?
    public var allowedTools: [String]?
    public var authorization: String?
    public var headers: [String: String]?
    public init(
        serverURL: String,
        serverLabel: String? = nil,
        serverDescription: String? = nil,
        allowedTools: [String]? = nil,
        authorization: String? = nil,
        headers: [String: String]? = nil
    ) {
        self.serverURL = serverURL
        self.serverLabel = serverLabel
        self.serverDescription = serverDescription
        self.allowedTools = allowedTools
        self.authorization = authorization
        self.headers = headers
    }

    enum CodingKeys: String, CodingKey {
        case serverURL = "server_url"
        case serverLabel = "server_label"
        case serverDescription = "server_description"
        case allowedTools = "allowed_tools"
        case authorization
        case headers
    }
}
