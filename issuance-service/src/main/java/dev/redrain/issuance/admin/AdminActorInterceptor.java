package dev.redrain.issuance.admin;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The second lock on the admin API: whatever path led here, no admin handler runs without the
 * operator {@link AdminAuthFilter} authenticated. The filter decides on the routed path too,
 * so this refuses only if the two ever disagree; it matches on the router's own path.
 */
@Configuration(proxyBeanMethods = false)
class AdminActorInterceptor implements WebMvcConfigurer, HandlerInterceptor {
    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this).addPathPatterns("/admin/**");
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response,
            Object handler) {
        AdminSupport.actor(request);
        return true;
    }
}
