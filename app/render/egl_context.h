// An OpenGL 3.3 core context without any display or window: EGL on Mesa's surfaceless
// platform (software rendering when there is no GPU). For headless export; the window uses
// its GLFW context instead. One thread; the context is current while the object lives.
#pragma once

namespace ts {

class EglContext {
 public:
  // Creates the context and makes it current; throws ts::Error saying which EGL step failed.
  EglContext();
  ~EglContext();
  EglContext(const EglContext&) = delete;
  EglContext& operator=(const EglContext&) = delete;

 private:
  void* display_ = nullptr;
  void* context_ = nullptr;
};

}  // namespace ts
