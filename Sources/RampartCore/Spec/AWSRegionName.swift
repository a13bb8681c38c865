/// AWS region names, wherever one comes from (a spec, an ARN, `AWS_REGION`, a profile): a region
/// becomes part of a host name, so anything but a plain label would be put into a URL.
public enum AWSRegionName {
    public static func valid(_ region: String) -> Bool {
        !region.isEmpty && region.count <= 64 && region.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }
}
