#include "models/ModelFileInfo.h"

#include "core/Errors.h"
#include "core/Json.h"
#include "data/ZipArchive.h"

namespace ts {

namespace {

std::vector<int64_t> shape_of(const Json& j, const std::string& what) {
  std::vector<int64_t> s;
  if (!j.is_array()) return s;
  for (const auto& v : j) {
    if (!v.is_number_integer() || v.get<int64_t>() <= 0)
      throw InputError(what + ": a shape holds " + v.dump() + ", not a positive integer");
    s.push_back(v.get<int64_t>());
  }
  return s;
}

}  // namespace

ModelFileInfo read_model_file_info(const std::string& path) {
  const ZipArchive zip(path, "TorchScript model");
  ModelFileInfo info;
  // torch.jit.save writes the extra files as ARCHIVE_NAME/extra/NAME; the archive name varies with the file.
  const ZipMember* member = nullptr;
  for (const auto& m : zip.members()) {
    const std::string tail = "/extra/tangentscope.json";
    if (m.name.size() > tail.size() && m.name.compare(m.name.size() - tail.size(), tail.size(), tail) == 0) {
      member = &m;
      break;
    }
  }
  if (!member) return info;
  if (member->size > (uint64_t(1) << 24))
    throw InputError(zip.label() + ": its metadata (tangentscope.json) is " + std::to_string(member->size) +
                     " bytes, more than metadata can be");
  auto in = zip.open(*member);
  std::string text(static_cast<size_t>(member->size), '\0');
  if (!text.empty()) in->read(text.data(), text.size());
  in->finish();
  const std::string what = "the metadata (tangentscope.json) of " + zip.label();
  const Json j = parse_json(text, what);
  info.has_metadata = true;
  try {
    if (j.contains("input_shape")) info.input_shape = shape_of(j.at("input_shape"), what);
    if (j.contains("output_shape")) info.output_shape = shape_of(j.at("output_shape"), what);
    if (j.contains("output") && j.at("output").is_string()) info.output = j.at("output").get<std::string>();
    if (j.contains("dtype") && j.at("dtype").is_string()) info.dtype = j.at("dtype").get<std::string>();
    if (j.contains("input_dtype") && j.at("input_dtype").is_string())
      info.input_dtype = j.at("input_dtype").get<std::string>();
    auto count = [&](const char* key, int64_t* out) {
      if (j.contains(key) && j.at(key).is_number_integer() && j.at(key).get<int64_t>() >= 0)
        *out = j.at(key).get<int64_t>();
    };
    count("parameters", &info.parameters);
    count("trainable_parameters", &info.trainable_parameters);
    count("frozen_parameters", &info.frozen_parameters);
    if (j.contains("class_names") && j.at("class_names").is_array())
      for (const auto& v : j.at("class_names")) info.class_names.push_back(v.get<std::string>());
  } catch (const Json::exception& e) {
    throw InputError(what + " is malformed: " + std::string(e.what()));
  }
  return info;
}

}  // namespace ts
